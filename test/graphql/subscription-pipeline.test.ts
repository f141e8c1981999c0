import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { subscriptionClient, type SubscriptionClient } from '../helpers/subscription-client.js';

// The WebSocket transport runs the HTTP pipeline's rules: these are the ones it once missed.
const MISSPELT = 'subscription { postPublishd { id } }';

let development: TestApp;
let production: TestApp;
const clients: SubscriptionClient[] = [];

beforeAll(async () => {
  [development, production] = await Promise.all([startTestApp(), startTestApp({ NODE_ENV: 'production' })]);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all([development?.stop(), production?.stop()]);
});

async function failureOf(app: TestApp, query: string): Promise<Array<{ message: string; extensions?: Record<string, unknown> }>> {
  const client = subscriptionClient(app.url);
  clients.push(client);
  const { error } = await client.subscribe(query).ended;
  expect(Array.isArray(error)).toBe(true);
  return error as Array<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('a validation error over WebSocket', () => {
  it('suggests the field in development, as over HTTP', async () => {
    const [error] = await failureOf(development, MISSPELT);
    expect(error).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(error!.message).toMatch(/Did you mean "postPublished"\?/);
  });

  it('carries no "Did you mean" in production', async () => {
    const errors = await failureOf(production, MISSPELT);
    expect(errors).toEqual([
      {
        message: 'Cannot query field "postPublishd" on type "Subscription".',
        locations: [{ line: 1, column: 16 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it('carries no "Did you mean" in production for a misspelt type either', async () => {
    const errors = await failureOf(production, 'subscription { postPublished { ... on Pots { id } } }');
    expect(errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(JSON.stringify(errors)).not.toMatch(/Did you mean/);
  });
});
