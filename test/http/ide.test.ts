import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

let development: TestApp;
let production: TestApp;
let productionWithIde: TestApp;
beforeAll(async () => {
  [development, production, productionWithIde] = await Promise.all([
    startTestApp(),
    startTestApp({ NODE_ENV: 'production' }),
    startTestApp({ NODE_ENV: 'production', ENABLE_PLAYGROUND: 'true' }),
  ]);
});
afterAll(() => Promise.all([development?.stop(), production?.stop(), productionWithIde?.stop()]));

describe('the GraphQL IDE over HTTP', () => {
  it('is what a browser gets at GET /graphql in development, under a strict CSP', async () => {
    const response = await fetch(`${development.url}/graphql`, { headers: BROWSER });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain('<form id="login"');
    // Nothing from another origin: it must work offline.
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('is served even when the URL carries a query: a link cannot make a browser run an operation', async () => {
    const response = await fetch(`${development.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`, { headers: BROWSER });
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('redirects / to /graphql', async () => {
    const response = await fetch(`${development.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });

  it('serves its scripts and styles from this server, and nothing else under /ide/', async () => {
    for (const [name, type] of [
      ['graphiql.min.js', 'text/javascript'],
      ['graphiql.min.css', 'text/css'],
      ['graphql-ws.min.js', 'text/javascript'],
      ['react.production.min.js', 'text/javascript'],
      ['react-dom.production.min.js', 'text/javascript'],
      ['ide.js', 'text/javascript'],
      ['ide.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${development.url}/ide/${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    for (const path of ['/ide/package.json', '/ide/..%2F..%2Fpackage.json', '/ide/constructor', '/ide/__proto__']) {
      expect((await fetch(`${development.url}${path}`)).status).toBe(404);
    }
  });

  it('is off in production: a short page naming ENABLE_PLAYGROUND, no assets, no redirect', async () => {
    const page = await fetch(`${production.url}/graphql`, { headers: BROWSER });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    const html = await page.text();
    expect(html).toContain('<code>ENABLE_PLAYGROUND=true</code>');
    expect(html).not.toContain('<script');
    // An API client's GET is still Apollo's, not the page.
    const api = await fetch(`${production.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${production.url}/ide/ide.js`)).status).toBe(404);
    expect((await fetch(`${production.url}/`, { redirect: 'manual' })).status).toBe(404);
  });

  it('is on in production with ENABLE_PLAYGROUND=true', async () => {
    const page = await fetch(`${productionWithIde.url}/graphql`, { headers: BROWSER });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('leaves API clients alone: JSON in, JSON out', async () => {
    const response = await fetch(`${development.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
