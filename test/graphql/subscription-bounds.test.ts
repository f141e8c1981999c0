import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from '@jest/globals';
import { createPost } from '../helpers/operations.js';
import { rawSocket, type RawSocket } from '../helpers/raw-socket.js';
import { subscriptionClient, type Subscription } from '../helpers/subscription-client.js';
import { ME, signUpUser, useTestApp } from '../helpers/test-app.js';

const POST_PUBLISHED = 'subscription { postPublished { id } }';
const LIMITS = { maxSocketsPerAddress: 3, maxSockets: 6, maxOperationsPerSocket: 3 };

/** Opens `count` sockets from one address and waits until each is upgraded. */
async function hold(baseUrl: string, localAddress: string, count: number): Promise<RawSocket[]> {
  const sockets = Array.from({ length: count }, () => rawSocket(baseUrl, { localAddress }));
  expect(await Promise.all(sockets.map((socket) => socket.handshake))).toEqual(sockets.map(() => 101));
  return sockets;
}

/** The server counts a socket out when it sees the close, a moment after the client does. */
async function admittedSoon(baseUrl: string, localAddress: string): Promise<RawSocket> {
  let outcome: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const socket = rawSocket(baseUrl, { localAddress });
    outcome = await socket.acknowledged().then(() => 'acknowledged', (error: Error) => error.message);
    if (outcome === 'acknowledged') return socket;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no socket from ${localAddress} was admitted: ${String(outcome)}`);
}

describe('socket bounds', () => {
  /** Publishes posts until `subscription` sees one (it is registered a moment after it is sent). */
  async function receivesAPost(subscription: Subscription, token: string): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = await createPost(app, token, { publish: true });
      const seen = await subscription.next(250).then((result) => result.data?.postPublished?.id === id, () => false);
      if (seen) return true;
    }
    return false;
  }

  const app = useTestApp({}, { socketLimits: LIMITS });

  it('closes the socket past the per-address bound with 4429, while another address still connects', async () => {
    // Upgraded only, no connection_init: unauthenticated sockets count from the upgrade on.
    const held = await hold(app.url, '127.0.0.2', LIMITS.maxSocketsPerAddress);
    const extra = rawSocket(app.url, { localAddress: '127.0.0.2' });
    expect(await extra.closed).toEqual({ code: 4429, reason: 'Too many sockets from this address' });

    const other = rawSocket(app.url, { localAddress: '127.0.0.3' });
    await expect(other.acknowledged()).resolves.toBeUndefined();

    // The held address's count is released on close.
    await Promise.all(held.map((socket) => socket.close()));
    const again = await admittedSoon(app.url, '127.0.0.2');
    await Promise.all([other.close(), again.close()]);
  });

  it('cuts a refused socket whose client never answers the close', async () => {
    const held = await hold(app.url, '127.0.0.2', LIMITS.maxSocketsPerAddress);
    const { port } = new URL(app.url);
    const silent = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.2' });
    silent.write(
      'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
    let received = '';
    silent.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const started = performance.now();
    await new Promise((resolve) => silent.once('close', resolve));
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received).toContain('Too many sockets from this address');
    expect(performance.now() - started).toBeLessThan(5_000);
    await Promise.all(held.map((socket) => socket.close()));
  });

  it('answers another user over HTTP while one address holds its maximum of sockets', async () => {
    const held = await hold(app.url, '127.0.0.2', LIMITS.maxSocketsPerAddress);
    const user = await signUpUser(app);
    const response = await app.graphql(ME, {}, { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(response.body.data?.me).toMatchObject({ id: user.user.id });
    await Promise.all(held.map((socket) => socket.close()));
  });

  it('closes a socket past the total bound with 4429, whichever address it comes from', async () => {
    const held = [
      ...(await hold(app.url, '127.0.0.4', LIMITS.maxSocketsPerAddress)),
      ...(await hold(app.url, '127.0.0.5', LIMITS.maxSockets - LIMITS.maxSocketsPerAddress)),
    ];
    const extra = rawSocket(app.url, { localAddress: '127.0.0.6' });
    expect(await extra.closed).toEqual({ code: 4429, reason: 'Too many sockets' });
    await Promise.all(held.map((socket) => socket.close()));
  });

  it('closes the socket with 4429 at one subscription more than the per-socket bound at once', async () => {
    const author = await signUpUser(app);
    const client = subscriptionClient(app.url);
    try {
      await client.connected;
      const running = Array.from({ length: LIMITS.maxOperationsPerSocket }, () => client.subscribe(POST_PUBLISHED));
      // A completed subscription no longer counts: its place can be taken.
      running.shift()!.stop();
      const replacement = client.subscribe(POST_PUBLISHED);
      await expect(receivesAPost(replacement, author.accessToken)).resolves.toBe(true);
      expect(await Promise.race([client.closed, 'open'])).toBe('open');

      client.subscribe(POST_PUBLISHED);
      await expect(client.closed).resolves.toMatchObject({ code: 4429, reason: 'Too many subscriptions on this socket' });
    } finally {
      await client.dispose();
    }
  });
});

describe('socket bounds behind a trusted proxy', () => {
  const app = useTestApp({ TRUST_PROXY: '127.0.0.1' }, { socketLimits: { maxSocketsPerAddress: 1 } });
  const from = (client: string) => rawSocket(app.url, { headers: { 'x-forwarded-for': client } });

  it('count per client address as X-Forwarded-For names it, not per proxy', async () => {
    const first = from('203.0.113.1');
    await expect(first.acknowledged()).resolves.toBeUndefined();
    expect(await from('203.0.113.1').closed).toEqual({ code: 4429, reason: 'Too many sockets from this address' });
    const other = from('203.0.113.2');
    await expect(other.acknowledged()).resolves.toBeUndefined();
    await Promise.all([first.close(), other.close()]);
  });

  it('count an IPv6 /64 as one address, as the login throttle does (one subscriber is given a whole /64)', async () => {
    const first = from('2001:db8:0:1::1');
    await expect(first.acknowledged()).resolves.toBeUndefined();
    expect(await from('2001:db8:0:1::2').closed).toEqual({ code: 4429, reason: 'Too many sockets from this address' });
    const otherPrefix = from('2001:db8:0:2::1');
    await expect(otherPrefix.acknowledged()).resolves.toBeUndefined();
    await Promise.all([first.close(), otherPrefix.close()]);
  });
});
