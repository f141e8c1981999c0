import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ME, graphqlAt, postGraphQL, signUpUser } from '../helpers/test-app.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';

// `npm run start:cluster` runs dist/cluster.js: N workers sharing one port on PostgreSQL.
const CLUSTER = fileURLToPath(new URL('../../dist/cluster.js', import.meta.url));
const databaseUrl = process.env.DATABASE_URL;

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function runCluster(env: Record<string, string>) {
  const child = spawn(process.execPath, [CLUSTER], {
    // Other test files sign up from 127.0.0.1 on the same database: no per-address sign-up limit here.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', JWT_SECRET: 'c'.repeat(40), SIGNUP_MAX_PER_IP: '1000000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster not ready:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /Gatehouse cluster ready at (http:\/\/[^/"]+)\/graphql/.exec(output);
      if (match) (clearTimeout(timer), resolve(match[1]!));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`cluster exited with ${code}:\n${output}`))));
  });
  ready.catch(() => undefined); // a test that expects the exit does not await it
  return { child, ready, output: () => output };
}

const pidsServing = (output: string) =>
  new Set(
    output
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => (JSON.parse(line) as { pid: number }).pid),
  );

describe('npm run start:cluster', () => {
  it('refuses to start without DATABASE_URL: the embedded database belongs to one process', async () => {
    const { child, output } = runCluster({ DATA_DIR: '/nonexistent' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output()).toContain('DATABASE_URL: start:cluster needs a real PostgreSQL');
  });
});

describeWithPostgres('npm run start:cluster on PostgreSQL', () => {
  it('serves from every worker on one port, replaces a worker that dies, and exits 0 on SIGTERM', async () => {
    const cluster = runCluster({ DATABASE_URL: databaseUrl!, CLUSTER_WORKERS: '2' });
    const url = await cluster.ready;
    const user = await signUpUser(graphqlAt(url));

    // New connections are dealt round-robin to the workers.
    for (let i = 0; i < 20; i++) {
      const response = await postGraphQL(url, ME, {}, { token: user.accessToken, headers: { connection: 'close' } });
      expect(response.body.data!.me).toMatchObject({ id: user.user.id });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pids = [...pidsServing(cluster.output())];
    expect(pids).toHaveLength(2);

    // kill -9 one worker: once the primary has noticed, the other keeps serving, and a
    // new one takes its place. (A connection dealt to the dying worker in between is lost:
    // the round-robin of Node's cluster cannot take it back.)
    process.kill(pids[0]!, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (!cluster.output().includes('a worker died; starting another') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await postGraphQL(url, ME, {}, { token: user.accessToken, headers: { connection: 'close' } })).status).toBe(200);
    const before = pidsServing(cluster.output()).size;
    while (pidsServing(cluster.output()).size === before && Date.now() < deadline) {
      await postGraphQL(url, '{ __typename }', {}, { headers: { connection: 'close' } }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pidsServing(cluster.output()).size).toBe(3);

    const exited = once(cluster.child, 'exit');
    cluster.child.kill('SIGTERM');
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    for (const pid of pidsServing(cluster.output())) {
      expect(() => process.kill(pid, 0)).toThrow(); // no worker left behind
    }
  }, 60_000);
});
