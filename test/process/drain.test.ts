import { connect, type Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { LOGIN, graphqlAt, signUpUser } from '../helpers/test-app.js';

const cleanup = useCleanup();

async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = await makeTempDir('drain', { migrated: true });
  cleanup.push(() => removeTempDir(dataDir));
  const server = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: 'a'.repeat(40), ...env });
  cleanup.push(() => server.stop('SIGKILL'));
  return server;
}

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

const exitOf = (server: ServerProcess) =>
  new Promise<number | null>((resolve) => {
    if (server.child.exitCode !== null) resolve(server.child.exitCode);
    else server.child.once('exit', (code) => resolve(code));
  });

describe('graceful drain on SIGTERM', () => {
  it('finishes 30 requests in flight, answers /readyz 503, refuses new connections, exits 0', async () => {
    // Attempts in flight count towards the brute-force limit until they succeed: raise it.
    const server = await start({ LOGIN_MAX_FAILURES: '100' });
    const user = await signUpUser(graphqlAt(server.url));
    const body = JSON.stringify({ query: LOGIN, variables: { email: user.email, password: user.password } });
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

    // 30 logins (within the password-hashing queue: cores − 1 running, 32 waiting per slot), each on its own connection, each fully sent before the signal.
    const sockets = await Promise.all(Array.from({ length: 30 }, () => openSocket(server.url)));
    const answers = sockets.map(readAll);
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.write(head + body, resolve))));
    // And one whose body is only half sent: in flight until the test sends the rest.
    const slow = await openSocket(server.url);
    const slowAnswer = readAll(slow);
    slow.write(head + body.slice(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 250));

    // A /readyz whose headers are not finished yet: in flight, answered after the signal.
    const readyz = await openSocket(server.url);
    const readyzAnswer = readAll(readyz);
    readyz.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const exited = exitOf(server);
    server.child.kill('SIGTERM');

    // The listener closes once everything sent before the signal has been accepted; from
    // then on a new connection is refused, while the requests in flight still run.
    // (Probes are 150 ms apart: each accepted one delays the close by 100 ms.)
    const probes: string[] = [];
    const deadline = Date.now() + 10_000;
    while (probes.at(-1) !== 'ECONNREFUSED' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      probes.push(
        await openSocket(server.url).then(
          async (socket) => {
            const answer = readAll(socket);
            socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
            return (await answer).split('\r\n', 1)[0]!;
          },
          (error: NodeJS.ErrnoException) => error.code!,
        ),
      );
    }
    // Before the listener closed, /readyz said 200 (signal not handled yet) or 503. A probe
    // the kernel queued just as the listener closed is dropped unanswered (an empty answer
    // or ECONNRESET): the operating system's, not a request the server took and lost.
    expect(probes.join(' ')).toMatch(/^(HTTP\/1\.1 200 OK )*(HTTP\/1\.1 503 Service Unavailable )*(ECONNRESET | )?ECONNREFUSED$/);
    expect(server.child.exitCode).toBeNull();

    readyz.write('\r\n');
    expect(await readyzAnswer).toMatch(/^HTTP\/1\.1 503 Service Unavailable/);

    // The half-sent request is still served once its body arrives.
    slow.write(body.slice(40));
    expect(await slowAnswer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*"accessToken"/);

    const responses = await Promise.all(answers);
    const failed = responses.filter((text) => !/^HTTP\/1\.1 200 OK/.test(text) || !text.includes('"accessToken"'));
    expect(failed).toEqual([]);
    expect(await exited).toBe(0);
    expect(server.output()).not.toMatch(/"level":(50|60)/);
  });

  it('cuts a request that does not finish within DRAIN_TIMEOUT_SECONDS and still exits 0', async () => {
    const server = await start({ DRAIN_TIMEOUT_SECONDS: '1' });
    // A request whose body never finishes arriving: in flight for ever.
    const stuck = await openSocket(server.url);
    const closed = readAll(stuck);
    stuck.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    const exited = exitOf(server);
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const took = Date.now() - started;
    await closed;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(10_000);
    expect(server.output()).toContain('drain timeout');
  });
});
