import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClosedBeforeAcknowledgedError, subscriptionClient, type SubscriptionClient } from './subscription-client.js';
import { signUpUser, startTestApp, type TestApp } from './test-app.js';

// The helper's own promises: a test that awaits `connected` must fail fast on a refused
// connection, not hang until Jest's timeout or carry on as if connected.
let app: TestApp;
const clients: SubscriptionClient[] = [];
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await app?.stop();
});

function open(url: string, connectionParams: Record<string, unknown> = {}): SubscriptionClient {
  const client = subscriptionClient(url, connectionParams);
  clients.push(client);
  return client;
}

/** A URL where nothing listens: a port the OS handed out and took back. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('subscriptionClient', () => {
  it('resolves connected once the server acknowledges, and keeps the socket open', async () => {
    const user = await signUpUser(app);
    const client = open(app.url, { authorization: `Bearer ${user.accessToken}` });
    await expect(client.connected).resolves.toBeUndefined();
    const stillOpen = await Promise.race([client.closed.then(() => false), new Promise((resolve) => setTimeout(resolve, 100, true))]);
    expect(stillOpen).toBe(true);
  });

  it('rejects connected with the 4401 close when the server refuses the token', async () => {
    const client = open(app.url, { authorization: 'Bearer not-a-token' });
    const refused = client.connected.catch((error: unknown) => error);
    await expect(client.connected).rejects.toMatchObject({ code: 4401, reason: 'TOKEN_INVALID' });
    expect(await refused).toBeInstanceOf(ClosedBeforeAcknowledgedError);
    expect(await client.closed).toMatchObject({ code: 4401, reason: 'TOKEN_INVALID' });
  });

  it('rejects connected when nothing listens, instead of waiting forever', async () => {
    const client = open(await deadUrl());
    await expect(client.connected).rejects.toBeInstanceOf(ClosedBeforeAcknowledgedError);
  });
});
