import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getIntrospectionQuery } from 'graphql';
import { outcome, signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp;
let production: TestApp;
beforeAll(async () => {
  [app, production] = await Promise.all([startTestApp(), startTestApp({ NODE_ENV: 'production' })]);
});
afterAll(() => Promise.all([app?.stop(), production?.stop()]));

const VALIDATION_FAILED = { code: 'GRAPHQL_VALIDATION_FAILED' };

// feed → edges → node → author → posts → edges → node → … : `levels` nested levels of fields.
function nestedQuery(levels: number): string {
  const path = ['feed(first: 1)', 'edges', 'node', 'author', 'posts(first: 1)', 'edges', 'node', 'author', 'posts(first: 1)', 'edges', 'node', 'author'];
  const fields = path.slice(0, levels - 1);
  return `{ ${fields.map((field) => `${field} {`).join(' ')} __typename ${'}'.repeat(fields.length)} }`;
}

describe('the depth limit (more than 10 nested levels of fields)', () => {
  it('answers a query 10 levels deep', async () => {
    const response = await app.graphql(nestedQuery(10));
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses a query 11 levels deep with 400 GRAPHQL_VALIDATION_FAILED, before running it', async () => {
    const response = await app.graphql(nestedQuery(11));
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
    expect(response.body.errors![0]!.message).toBe('Query depth limit of 10 exceeded, found 11.');
  });

  it('gives the same answer to the same text every time: an accepted text is remembered, a refused one is not', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await app.graphql(nestedQuery(10))).status).toBe(200);
      expect((await app.graphql(nestedQuery(11))).status).toBe(400);
    }
  });

  it('counts fields, not fragments: the same depth spread over fragments is still 11', async () => {
    const query = `
      query { feed(first: 1) { ...Edges } }
      fragment Edges on PostConnection { edges { node { ...Author } } }
      fragment Author on Post { author { posts(first: 1) { edges { node { author { posts(first: 1) { edges { node { id } } } } } } } } }
    `;
    expect(outcome(await app.graphql(query))).toEqual(VALIDATION_FAILED);
  });
});

describe('the alias limit (more than 15)', () => {
  const aliases = (count: number) =>
    `{ ${Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

  it('answers 15 aliases', async () => {
    const response = await app.graphql(aliases(15));
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses 16 aliases with GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await app.graphql(aliases(16));
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
  });

  it('counts aliases inside fragments too', async () => {
    const fragment = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
    const query = `{ feed { edges { node { ...P } } } } fragment P on Post { ${fragment} }`;
    expect(outcome(await app.graphql(query))).toEqual(VALIDATION_FAILED);
  });
});

describe('the directive limit', () => {
  it('refuses an operation with more than 20 directives', async () => {
    const directives = Array.from({ length: 21 }, () => '@include(if: true)').join(' ');
    const response = await app.graphql(`{ me ${directives} { id } }`);
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
  });
});

describe('the token limit', () => {
  it('refuses a document of more than 5,000 tokens while parsing, with 400 GRAPHQL_PARSE_FAILED', async () => {
    const response = await app.graphql(`{ me { ${'__typename '.repeat(5_000)} } }`);
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
  });

  it('answers a syntax error in a large document with 400, not 500', async () => {
    const response = await app.graphql(`{ me { ${'id '.repeat(3_000)} `);
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
  });
});

describe('the cost limit', () => {
  const FEED = /* GraphQL */ `
    query Feed($first: Int) { feed(first: $first) { edges { node { id title body published author { id } } } } }
  `;
  const FEED_WITH_AUTHOR_POSTS = /* GraphQL */ `
    query Expensive($first: Int, $authorPosts: Int) {
      feed(first: $first) { edges { node { id author { posts(first: $authorPosts) { edges { node { id title body } } } } } } }
    }
  `;

  it('answers the full introspection query GraphiQL sends (served from memory: no database work)', async () => {
    for (const query of [getIntrospectionQuery({ descriptions: true, schemaDescription: true, inputValueDeprecation: true }), getIntrospectionQuery()]) {
      const response = await app.graphql(query);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.__schema.queryType.name).toBe('Query');
    }
  });

  it('answers a page of 100 posts with their authors', async () => {
    const response = await app.graphql(FEED, { first: 100 });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses 100 posts each with 100 of its author’s posts, asked for in variables', async () => {
    const response = await app.graphql(FEED_WITH_AUTHOR_POSTS, { first: 100, authorPosts: 100 });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
    expect(response.body.errors![0]!.message).toMatch(/^Query cost limit of 10000 exceeded, found \d+\.$/);
  });

  it('refuses the same query written with literals', async () => {
    const query = FEED_WITH_AUTHOR_POSTS.replace('$first: Int, $authorPosts: Int', '')
      .replace('(first: $first)', '(first: 100)')
      .replace('(first: $authorPosts)', '(first: 100)')
      .replace('query Expensive()', 'query Expensive');
    expect(outcome(await app.graphql(query))).toEqual(VALIDATION_FAILED);
    // Again: a document without variables has its cost remembered, and it still counts.
    expect(outcome(await app.graphql(query))).toEqual(VALIDATION_FAILED);
  });

  it('judges the same document by its variables: small pages pass', async () => {
    const response = await app.graphql(FEED_WITH_AUTHOR_POSTS, { first: 10, authorPosts: 10 });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('bills an omitted or explicit null `first` as the page of 20 the resolvers serve, not as 1', async () => {
    const nested = /* GraphQL */ `
      query Nested($n: Int) {
        feed(first: $n) { edges { node { author { a: posts(first: $n) { ...Page } b: posts(first: $n) { ...Page } c: posts(first: $n) { ...Page } } } } }
      }
      fragment Page on PostConnection { edges { node { id title body published createdAt updatedAt author { id name role createdAt } } } }
    `;
    expect(outcome(await app.graphql(nested, { n: null }))).toEqual(VALIDATION_FAILED);
    expect(outcome(await app.graphql(nested, {}))).toEqual(VALIDATION_FAILED);
    const literal = nested.replace('($n: Int)', '').replaceAll('$n', 'null');
    expect(outcome(await app.graphql(literal))).toEqual(VALIDATION_FAILED);
    // Within the depth and alias limits: only the cost can refuse it, and small pages pass.
    const small = await app.graphql(nested, { n: 5 });
    expect(small.body.errors).toBeUndefined();
  });

  it('counts a `first` over 100 as 100, as the resolvers do', async () => {
    const response = await app.graphql(FEED, { first: 1_000_000 });
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses a fragment fan-out quickly instead of expanding it', async () => {
    const fragments = Array.from(
      { length: 12 },
      (_, i) => `fragment F${i} on Query { ${i === 11 ? 'me { id }' : `...F${i + 1} ...F${i + 1} me { id }`} }`,
    ).join('\n');
    const started = performance.now();
    const response = await app.graphql(`{ ...F0 }\n${fragments}`);
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('leaves a bad variable to its own error (BAD_USER_INPUT)', async () => {
    const response = await app.graphql(FEED, { first: 'many' });
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('applies to mutations too', async () => {
    const user = await signUpUser(app);
    const query = `mutation { createPost(title: "t", body: "b") { id author { posts(first: 100) { edges { node { author { posts(first: 100) { edges { node { id } } } } } } } } } }`;
    const response = await app.graphql(query, {}, { token: user.accessToken });
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
  });
});

describe('field suggestions', () => {
  it('helps in development with "Did you mean"', async () => {
    const response = await app.graphql('{ mee { id } }');
    expect(response.body.errors![0]!.message).toMatch(/Did you mean "me"/);
  });

  it('hides them in production, so errors do not map the schema', async () => {
    const response = await production.graphql('{ mee { id } }');
    expect(response.status).toBe(400);
    expect(outcome(response)).toEqual(VALIDATION_FAILED);
    expect(response.body.errors![0]!.message).not.toMatch(/Did you mean/);
  });

  it('hides them in production for enum values too, in literals and in variables', async () => {
    const document = 'mutation ($role: Role!) { setUserRole(userId: "x", role: $role) { id } }';
    for (const server of [app, production]) {
      const byVariable = await server.graphql(document, { role: 'ADMN' });
      const byLiteral = await server.graphql('mutation { setUserRole(userId: "x", role: ADMN) { id } }');
      expect(outcome(byVariable)).toEqual({ code: 'BAD_USER_INPUT' });
      expect(outcome(byLiteral)).toEqual(VALIDATION_FAILED);
      const messages = [byVariable, byLiteral].map((response) => response.body.errors![0]!.message);
      if (server === production) for (const message of messages) expect(message).not.toMatch(/Did you mean/);
      else for (const message of messages) expect(message).toMatch(/Did you mean the enum value "ADMIN"\?/);
    }
  });
});
