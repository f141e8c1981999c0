import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ME, startTestApp, type TestApp, useTestApp } from '../helpers/test-app.js';

const app = useTestApp();

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${app.url}/graphql`, { method: 'POST', headers, body });

describe('HTTP endpoints', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the database answers', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('answers a query over GET when the request cannot be a CSRF (preflight header)', async () => {
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent(ME)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: null } });
  });

  it('refuses a GET query without a preflight-forcing header (CSRF prevention)', async () => {
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent(ME)}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });

  it('refuses a mutation over GET with 405', async () => {
    const mutation = 'mutation { login(email: "a@b.co", password: "whatever123") { accessToken } }';
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent(mutation)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
  });

  it('refuses a body over 100 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const query = `{ me { id } } # ${'x'.repeat(100 * 1024)}`;
    const response = await post(JSON.stringify({ query }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is larger than 100 KiB.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('accepts a body just under 100 KiB', async () => {
    const padding = 'x'.repeat(100 * 1024 - 100);
    const response = await post(JSON.stringify({ query: `{ me { id } } # ${padding}` }));
    expect(response.status).toBe(200);
  });

  it('refuses batched requests', async () => {
    const response = await post(JSON.stringify([{ query: ME }, { query: ME }]));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });

  it('refuses a simple (CSRF-able) text/plain POST with 400 (CSRF prevention)', async () => {
    const response = await post(JSON.stringify({ query: ME }), { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await post('<query/>', { 'content-type': 'application/xml' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Send the request as application/json.', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
  });

  it('answers malformed JSON with 400 BAD_REQUEST, naming no internals', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'The request could not be read (malformed JSON or headers).', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(text).not.toMatch(/FST_|fastify|Unexpected token/i);
  });

  it('answers a syntax error with 400 GRAPHQL_PARSE_FAILED', async () => {
    const response = await post(JSON.stringify({ query: '{ me { ' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers an unknown field with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await post(JSON.stringify({ query: '{ nope }' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers a variable of the wrong type with 400 BAD_USER_INPUT', async () => {
    const response = await post(
      JSON.stringify({
        query: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
        variables: { e: 42, p: ['x'] },
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const response = await post(JSON.stringify({ query: 'query A { me { id } } query B { me { id } }', operationName: 'C' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('answers a persisted query whose hash does not match its text with 400 BAD_REQUEST, not an internal error', async () => {
    const persistedQuery = { version: 1, sha256Hash: 'a'.repeat(64) };
    const response = await post(JSON.stringify({ query: '{ me { id } }', extensions: { persistedQuery } }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors).toEqual([{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('answers a body without a query with 400', async () => {
    const response = await post(JSON.stringify({ variables: {} }));
    expect(response.status).toBe(400);
  });

  it('answers an unknown path with 404 NOT_FOUND', async () => {
    const response = await fetch(`${app.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errors: [{ message: 'There is nothing here. GraphQL is at /graphql.', extensions: { code: 'NOT_FOUND' } }],
    });
  });

  it('serves introspection in development', async () => {
    const response = await post(JSON.stringify({ query: '{ __schema { queryType { name } } }' }));
    expect(await response.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('HTTP endpoints in production', () => {
  let production: TestApp;
  beforeAll(async () => {
    production = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(() => production?.stop());

  it('refuses introspection unless ENABLE_INTROSPECTION is set', async () => {
    const { status, body } = await production.graphql('{ __schema { queryType { name } } }');
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toContain('ENABLE_INTROSPECTION=true');
    expect(body.errors![0]!.message).not.toMatch(/ApolloServer|introspection: true/);
  });

  it('still answers me', async () => {
    expect((await production.graphql(ME)).body).toEqual({ data: { me: null } });
  });
});
