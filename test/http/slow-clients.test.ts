import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createPost } from '../helpers/operations.js';
import { subscriptionClient, type SubscriptionClient } from '../helpers/subscription-client.js';
import { ME, signUpUser, useTestApp } from '../helpers/test-app.js';

// Short limits keep the tests fast; production's are CONNECTION_LIMITS in src/http/http-server.ts.
const LIMITS = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500, idleSocketTimeoutMs: 1_000 };

const sockets: Socket[] = [];
afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

/** What the server sent until it closed the socket, and when (performance.now()) it closed. */
function untilClosed(socket: Socket): Promise<{ text: string; at: number }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve({ text, at: performance.now() })));
}

/** Writes text one byte every intervalMs until the socket closes. */
function trickle(socket: Socket, text: string, intervalMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= text.length) return clearInterval(timer);
    socket.write(text[sent++]!);
  }, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

const BODY = JSON.stringify({ query: '{ __typename }' }).padEnd(200, ' ');
const HEAD = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`;

describe('slow clients', () => {
  const app = useTestApp({}, { connectionLimits: LIMITS });

  it('cuts off a body trickled one byte per 500 ms with 408, and answers others meanwhile', async () => {
    const user = await signUpUser(app);
    const trickler = await openSocket(app.url);
    const cut = untilClosed(trickler);
    trickler.write(HEAD);
    trickle(trickler, BODY, 500);

    const me = await app.graphql(ME, {}, { token: user.accessToken });
    const answeredAt = performance.now();
    expect(me.status).toBe(200);
    expect(me.body.data?.me.email).toBe(user.email);

    const started = performance.now();
    const { text, at } = await cut;
    // Answered while the trickler was still held, which was then cut off by the server.
    expect(answeredAt).toBeLessThan(at);
    expect(text).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(at - started).toBeLessThan(LIMITS.requestTimeoutMs + 2_000);
  });

  it('cuts off headers trickled one byte per 500 ms', async () => {
    const trickler = await openSocket(app.url);
    const started = performance.now();
    const cut = untilClosed(trickler);
    trickle(trickler, HEAD, 500);

    const { text, at } = await cut;
    expect(text).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(at - started).toBeLessThan(LIMITS.headersTimeoutMs + 2_000);
  });

  it('closes a keep-alive connection left idle after its answer', async () => {
    const socket = await openSocket(app.url);
    const closed = untilClosed(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

    const { text } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('keeps a WebSocket subscription open and delivering past every HTTP timeout', async () => {
    const author = await signUpUser(app);
    const client: SubscriptionClient = subscriptionClient(app.url);
    try {
      await client.connected;
      const subscription = client.subscribe('subscription { postPublished { id } }');
      const past = LIMITS.requestTimeoutMs + LIMITS.idleSocketTimeoutMs + 500;
      const outcome = await Promise.race([
        client.closed.then(({ code }) => `closed ${code}`),
        new Promise((resolve) => setTimeout(() => resolve('open'), past)),
      ]);
      expect(outcome).toBe('open');

      const id = await createPost(app, author.accessToken, { title: 'Still here', body: 'text', publish: true });
      expect((await subscription.next(5_000)).data).toEqual({ postPublished: { id } });
    } finally {
      await client.dispose();
    }
  });
});

describe('the connection cap', () => {
  const app = useTestApp({}, { connectionLimits: { maxConnections: 2 } });

  it('closes a connection past the cap at once, and serves again once one is free', async () => {
    const [first] = [await openSocket(app.url), await openSocket(app.url)];
    // Let the server count both before the third arrives.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await openSocket(app.url);
    third.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await untilClosed(third)).text).toBe('');

    first!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
