import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ME, startTestApp, type TestApp } from '../helpers/test-app.js';

const ALLOWED = 'https://app.example.com';

let plain: TestApp;
let production: TestApp;
let withCors: TestApp;
beforeAll(async () => {
  [plain, production, withCors] = await Promise.all([
    startTestApp(),
    startTestApp({ NODE_ENV: 'production' }),
    startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` }),
  ]);
});
afterAll(() => Promise.all([plain?.stop(), production?.stop(), withCors?.stop()]));

const post = (app: TestApp, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: ME }),
  });

const preflight = (app: TestApp, origin: string) =>
  fetch(`${app.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('security headers', () => {
  it.each([
    ['a GraphQL answer', (app: TestApp) => post(app)],
    ['a GraphQL error (400)', (app: TestApp) => fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })],
    ['a body over the limit (413)', (app: TestApp) => fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(200_000) }) })],
    ['an unknown path (404)', (app: TestApp) => fetch(`${app.url}/nowhere`)],
    ['the JWKS', (app: TestApp) => fetch(`${app.url}/.well-known/jwks.json`)],
    ['/readyz', (app: TestApp) => fetch(`${app.url}/readyz`)],
  ])('are on %s, in production and in development', async (_label, request) => {
    for (const app of [production, plain]) {
      const response = await request(app);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it.each([
    ['an answer', (app: TestApp) => post(app)],
    ['a 401', (app: TestApp) => post(app, { authorization: 'Bearer nonsense' })],
    ['a malformed body (400)', (app: TestApp) => fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })],
    ['a GET query', (app: TestApp) => fetch(`${app.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } })],
  ])('forbid caching every /graphql response: %s', async (_label, request) => {
    for (const app of [production, plain]) {
      expect((await request(app)).headers.get('cache-control')).toBe('no-store');
    }
  });

  it('asks browsers for HTTPS only in production (Strict-Transport-Security)', async () => {
    expect((await post(production)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect((await post(plain)).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('CORS', () => {
  it('sends no CORS headers without CORS_ORIGINS, so only same-origin pages can read answers', async () => {
    const response = await post(plain, { origin: ALLOWED });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const options = await preflight(plain, ALLOWED);
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of a listed origin with the methods and headers Apollo Client needs', async () => {
    const response = await preflight(withCors, ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, gatehouse-device',
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('lets a listed origin read the answer', async () => {
    const response = await post(withCors, { origin: 'http://localhost:5173' });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    // A cross-origin app keeps its device token from this header (see docs/api.md, Device tokens).
    expect(response.headers.get('access-control-expose-headers')).toBe('gatehouse-device');
  });

  it('gives an unlisted origin nothing, also one that merely starts like a listed one', async () => {
    for (const origin of ['https://evil.example.com', `${ALLOWED}.evil.com`, 'null']) {
      const response = await post(withCors, { origin });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const options = await preflight(withCors, origin);
      expect(options.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
