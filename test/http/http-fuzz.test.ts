import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ME, signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';

// Hostile and malformed input over the whole HTTP surface. The only acceptable answers
// are 2xx-4xx with a JSON body; the server must still answer a valid request afterwards.
let app: TestApp;
let token: string;
const statuses = new Map<number, number>();
let requests = 0;
beforeAll(async () => {
  app = await startTestApp({ NODE_ENV: 'production' });
  token = (await signUpUser(app)).accessToken;
});
afterAll(async () => {
  console.log(`HTTP fuzz: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  await app?.stop();
});

async function send(init: { method?: string; path?: string; headers?: Record<string, string>; body?: string }) {
  const response = await fetch(`${app.url}${init.path ?? '/graphql'}`, {
    method: init.method ?? 'POST',
    headers: init.headers ?? { 'content-type': 'application/json' },
    ...(init.body !== undefined && { body: init.body }),
  });
  const text = await response.text();
  requests++;
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  return { status: response.status, text };
}

function acceptable({ status, text }: { status: number; text: string }): boolean {
  if (status >= 500 && status !== 503) return false;
  if (/\bat .+\.(js|ts):\d+|node_modules|Drizzle|Failed query/.test(text)) return false; // no stack or SQL
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const TOKENS = [
  '{', '}', '(', ')', '[', ']', ':', '$', '!', '@', '...', ',', '=', '|', '&', '#', '"', '"""',
  'query', 'mutation', 'subscription', 'fragment', 'on', 'true', 'false', 'null',
  'me', 'feed', 'post', 'users', 'mySessions', 'myPosts', 'login', 'signUp', 'refreshToken', 'logout',
  'createPost', 'publishPost', 'setUserRole', 'deleteAccount', 'changePassword', 'revokeSession',
  'id', 'email', 'role', 'posts', 'edges', 'node', 'author', 'pageInfo', 'first', 'after', 'title', 'body',
  '__typename', '__schema', '__type', 'include', 'skip', 'if', 'deprecated', 'ADMIN', 'Int', 'String!',
  '0', '-1', '1e309', '99999999999999999999', '"x"', '"\\u0000"', '"\\ud800"', '$first', '$id',
];
const graphqlDocument = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 80 })
  .map((parts) => parts.join(' '));
const variables = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })));

describe('the HTTP surface under fuzzing', () => {
  it('answers 1,500 random GraphQL documents with random variables without a server error', async () => {
    await fc.assert(
      fc.asyncProperty(graphqlDocument, variables, fc.option(fc.string({ maxLength: 20 })), async (query, vars, operationName) =>
        acceptable(await send({ body: JSON.stringify({ query, variables: vars, operationName }), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } })),
      ),
      { numRuns: 1_500 },
    );
  }, 120_000);

  it('answers 1,000 real operations with random arguments without a server error', async () => {
    const OPERATIONS = [
      'query ($first: Int, $after: String) { feed(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title author { id email } } } } }',
      'query ($first: Int, $after: String) { myPosts(first: $first, after: $after) { edges { node { id published } } } }',
      'query ($first: Int, $after: String) { users(first: $first, after: $after) { totalCount } }',
      'query ($id: ID!) { post(id: $id) { id title body author { id posts(first: 3) { totalCount } } } }',
      'query ($first: Int, $after: String) { me { id posts(first: $first, after: $after) { edges { node { id } } } } }',
      'mutation ($email: String!, $password: String!, $name: String) { signUp(email: $email, password: $password, name: $name) { accessToken } }',
      'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }',
      'mutation ($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { accessToken } }',
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      'mutation ($title: String!, $body: String!) { createPost(title: $title, body: $body) { id } }',
      'mutation ($id: ID!, $title: String, $body: String) { updatePost(id: $id, title: $title, body: $body) { id } }',
      'mutation ($id: ID!) { publishPost(id: $id) { id } }',
      'mutation ($id: ID!) { deletePost(id: $id) }',
      'mutation ($userId: ID!, $role: Role!) { setUserRole(userId: $userId, role: $role) { id } }',
    ];
    const value = fc.oneof(
      fc.integer(),
      fc.constantFrom(-1, 0, 100, 101, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1.5, null, true, '', 'ADMIN', 'VIEWER'),
      fc.string({ maxLength: 300 }),
      fc.uuid(),
      fc.base64String({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const names = ['first', 'after', 'id', 'email', 'password', 'name', 'refreshToken', 'title', 'body', 'userId', 'role'];
    const args = fc.record(Object.fromEntries(names.map((name) => [name, value])), { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), args, fc.boolean(), async (query, vars, signedIn) =>
        acceptable(
          await send({
            body: JSON.stringify({ query, variables: vars }),
            headers: { 'content-type': 'application/json', ...(signedIn && { authorization: `Bearer ${token}` }) },
          }),
        ),
      ),
      { numRuns: 1_000 },
    );
  }, 120_000);

  it('answers 1,000 random JSON bodies and malformed JSON without a server error', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value).slice(0, -1)),
      fc.record({ query: fc.jsonValue(), variables: fc.jsonValue(), operationName: fc.jsonValue(), extensions: fc.jsonValue() }).map((value) => JSON.stringify(value)),
    );
    await fc.assert(fc.asyncProperty(body, async (text) => acceptable(await send({ body: text }))), { numRuns: 1_000 });
  }, 120_000);

  it('answers 1,000 requests with random headers, methods and paths without a server error', async () => {
    const headerValue = fc.string({ maxLength: 100 }).filter((value) => /^[\t\x20-\x7e]*$/.test(value));
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      path: fc.oneof(
        fc.constantFrom('/graphql', '/graphql?query=%7Bme%7Bid%7D%7D', '/healthz', '/readyz', '/.well-known/jwks.json', '/'),
        fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
        fc.string({ maxLength: 40 }).map((query) => `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(query)}`),
      ),
      headers: fc.record({
        'content-type': fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/graphql', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'), headerValue),
        authorization: fc.oneof(headerValue, headerValue.map((value) => `Bearer ${value}`), fc.constant(`Bearer ${token}`)),
        'apollo-require-preflight': fc.constantFrom('true', ''),
        'x-forwarded-for': headerValue,
        accept: fc.oneof(fc.constantFrom('application/json', 'text/html', 'application/graphql-response+json', '*/*'), headerValue),
      }),
      body: fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.constant(JSON.stringify({ query: ME })))),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers, body }) => {
        const withBody = method !== 'GET' && method !== 'HEAD' && body !== null;
        const response = await send({ method, path, headers, ...(withBody && { body }) });
        if (method === 'HEAD') return response.status < 500;
        // A browser opening /graphql in production gets a short HTML page naming ENABLE_PLAYGROUND.
        const browserVisit = method === 'GET' && path.startsWith('/graphql') && headers.accept.includes('text/html');
        if (browserVisit) return response.status === 404 && response.text.includes('ENABLE_PLAYGROUND');
        return acceptable(response);
      }),
      { numRuns: 1_000 },
    );
  }, 120_000);

  it('answers oversize and deeply nested input with 4xx, not a crash', async () => {
    const cases = [
      JSON.stringify({ query: `{ me { id } }`, variables: { x: 'y'.repeat(200_000) } }),
      JSON.stringify({ query: '{'.repeat(50_000) }),
      `{"query": "{ me { id } }", "variables": {"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      `{"query": "query ($x: [[[[Int]]]]) { me { id } }", "variables": {"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      `{"query": "{ me { id } }", "variables": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      JSON.stringify({ query: `query (${Array.from({ length: 2_000 }, (_, i) => `$v${i}: Int`).join(', ')}) { me { id } }` }),
      JSON.stringify({ query: `{ ${Array.from({ length: 3_000 }, () => 'me { id }').join(' ')} }` }),
      JSON.stringify({ query: `{ feed(first: ${'9'.repeat(400)}) { edges { node { id } } } }` }),
      JSON.stringify({ query: 'mutation ($p: String!) { login(email: "a@b.co", password: $p) { accessToken } }', variables: { p: 'p'.repeat(90_000) } }),
    ];
    for (const body of cases) {
      const response = await send({ body });
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.status).toBeLessThan(500);
      expect(acceptable(response)).toBe(true);
    }
  });

  it('survives malformed HTTP on a raw socket', async () => {
    const { hostname, port } = new URL(app.url);
    const garbage = [
      'GARBAGE\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\nzz\r\n',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /graphql HTTP/1.1\r\n${'X-A: b\r\n'.repeat(5_000)}\r\n`,
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n\u0000\u0001\u0002\u0003\u0004',
    ];
    for (const raw of garbage) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname, () => socket.end(raw));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
      });
      expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    }
  });

  it('still answers a valid request afterwards, and never answered 5xx', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: ME }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { me: { id: string } } }).data.me.id).toEqual(expect.any(String));
    expect(statuses.get(200)).toBeGreaterThan(300); // the fuzz reached resolvers, not only the parser
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
  });
});
