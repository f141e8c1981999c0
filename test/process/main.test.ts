import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { LOGIN, ME, PASSWORD, SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';
import { runToExit, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const cleanup = useCleanup();

async function tempDataDir({ migrated }: { migrated: boolean }): Promise<string> {
  const dir = await makeTempDir('process', { migrated });
  cleanup.push(() => removeTempDir(dir));
  return dir;
}

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  cleanup.push(() => server.stop('SIGKILL'));
  return server;
}

describe('the server process (node dist/main.js)', () => {
  it('refuses to start on bad configuration, printing one line per bad variable', async () => {
    const { code, output } = await runToExit({ PORT: 'eighty', LOG_LEVEL: 'chatty', JWT_SECRET: 'too short' });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      'Configuration error: PORT: must be a whole number',
      'Configuration error: JWT_SECRET: must be at least 32 bytes of UTF-8',
      'Configuration error: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const { code, output } = await runToExit({ NODE_ENV: 'production', DATA_DIR: await tempDataDir({ migrated: true }) });
    expect(code).toBe(1);
    expect(output).toContain('Configuration error: JWT_SECRET: required when NODE_ENV=production');
  });

  it('starts on a fresh DATA_DIR and keeps users, sessions and its generated key across a restart', async () => {
    const dataDir = join(await tempDataDir({ migrated: false }), 'nested', 'data');
    const env = { DATA_DIR: dataDir, NODE_ENV: 'development' };
    const first = await start(env);
    const email = uniqueEmail('persist');
    const signUp = await postGraphQL(first.url, SIGN_UP, { email, password: PASSWORD });
    const { accessToken } = signUp.body.data!.signUp;
    expect(await first.stop('SIGTERM')).toBe(0);

    const secretFile = await stat(join(dataDir, 'jwt-secret'));
    expect(secretFile.mode & 0o777).toBe(0o600);

    const second = await start(env);
    const me = await postGraphQL(second.url, ME, {}, { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body.data!.me.email).toBe(email);
    const login = await postGraphQL(second.url, LOGIN, { email, password: PASSWORD });
    expect(login.body.data!.login.user.email).toBe(email);
  });

  it('refuses a second process on the same DATA_DIR with a clear error', async () => {
    const dataDir = await tempDataDir({ migrated: true });
    await start({ DATA_DIR: dataDir });
    const { code, output } = await runToExit({ DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toMatch(/DATA_DIR ".*" is in use by another Gatehouse process \(pid \d+\)/);
  });

  it('takes over the lock of a killed process, with every acknowledged write kept', async () => {
    const dataDir = await tempDataDir({ migrated: true });
    const first = await start({ DATA_DIR: dataDir });
    const email = uniqueEmail('crash');
    const signUp = await postGraphQL(first.url, SIGN_UP, { email, password: PASSWORD });
    expect(signUp.body.errors).toBeUndefined();
    await first.stop('SIGKILL');

    const second = await start({ DATA_DIR: dataDir });
    const login = await postGraphQL(second.url, LOGIN, { email, password: PASSWORD });
    expect(login.body.data!.login.user.email).toBe(email);
  });

  it('names PORT, in one line, when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const { port } = holder.address() as AddressInfo;
    const { code, output } = await runToExit({ PORT: String(port), DATA_DIR: await tempDataDir({ migrated: true }) });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      `Gatehouse failed to start: PORT: port ${port} on 127.0.0.1 is already in use by another process: stop that process or set PORT to a free port.`,
    ]);
  });

  it('names DATABASE_URL, in one line and without its password, when the database is unreachable', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { code, output } = await runToExit({ DATABASE_URL: `postgres://gatehouse:pw-not-shown@127.0.0.1:${port}/gatehouse` });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      `Gatehouse failed to start: DATABASE_URL: cannot use the database at gatehouse@127.0.0.1:${port}/gatehouse (connect ECONNREFUSED 127.0.0.1:${port}): ` +
        "check that PostgreSQL runs there and that the URL has the right user, password and database name.",
    ]);
    expect(output).not.toContain('pw-not-shown');
  });

  it('exits 0 on SIGINT too', async () => {
    const server = await start({ DATA_DIR: await tempDataDir({ migrated: true }) });
    expect(await server.stop('SIGINT')).toBe(0);
  });
});

describe('npm start', () => {
  it('runs node with no shell in between, so SIGTERM sent to npm ends in a clean exit 0', async () => {
    const dataDir = await tempDataDir({ migrated: true });
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // --ignore-scripts skips prestart's build: other test files run dist/ meanwhile.
    const npm = spawn('npm', ['start', '--silent', '--ignore-scripts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => npm.exitCode === null && npm.kill('SIGKILL'));
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 60_000);
      npm.stdout!.on('data', () => {
        const match = /Gatehouse ready at (http:\/\/[^/"]+)\/graphql/.exec(output);
        if (match) (clearTimeout(timer), resolve(match[1]!));
      });
    });
    expect((await postGraphQL(url, '{ __typename }')).status).toBe(200);

    // npm's child is node itself (`exec`), not a shell that would swallow the signal.
    const children = execFileSync('ps', ['--ppid', String(npm.pid), '-o', 'args=']).toString().trim();
    expect(children).toMatch(/^node .*dist\/main\.js$/m);
    expect(children).not.toMatch(/^(\/bin\/)?sh /m);

    const exited = once(npm, 'exit');
    npm.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(output).not.toMatch(/Shutdown after|ERR!/);
  }, 90_000);
});
