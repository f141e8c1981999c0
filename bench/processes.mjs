// Part of `npm run bench`: throughput of one server process against `start:cluster` with
// two workers, both on the PostgreSQL of DATABASE_URL (the embedded database is one
// process's). Interleaved rounds; every response checked; no core pinning, since two
// workers need both cores of a 2-core machine (the load generator shares them).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function start(entry, env) {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-bench-secret-bench-secret', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /Gatehouse (?:cluster )?ready at (http:\/\/[^/"]+)\/graphql/.exec(output);
      if (match && (entry.endsWith('main.js') || output.includes('cluster ready'))) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

/** bench/load.mjs, the same checked load as the main table's (not pinned: the workers need both cores). */
async function load(url, { token, body, expected, duration, connections }) {
  const options = { url: `${url}/graphql`, body, headers: { authorization: `Bearer ${token}` }, connections, seconds: duration, expected };
  const child = spawn(process.execPath, ['bench/load.mjs', JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'exit');
  return JSON.parse(output);
}

/** Runs the comparison and returns table rows; throws on any wrong answer. */
export async function benchProcesses({ databaseUrl, rounds, duration, connections }) {
  const env = { DATABASE_URL: databaseUrl };
  const one = await start('dist/main.js', env);
  const two = await start('dist/cluster.js', { ...env, CLUSTER_WORKERS: '2' });
  try {
    const signUp = await (
      await fetch(`${one.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation ($e: String!) { signUp(email: $e, password: "bench password 1") { accessToken user { id } } }',
          variables: { e: `bench-processes-${Date.now()}@example.com` },
        }),
      })
    ).json();
    const token = signUp.data.signUp.accessToken;
    const body = JSON.stringify({ query: '{ me { id role } }' });
    const expected = `${JSON.stringify({ data: { me: { id: signUp.data.signUp.user.id, role: 'USER' } } })}\n`;
    const configs = [
      { name: '`me`, token, 1 process (`npm start`), PostgreSQL', url: one.url },
      { name: '`me`, token, 2 workers (`npm run start:cluster`), PostgreSQL', url: two.url },
    ];
    for (const config of configs) await load(config.url, { token, body, expected, duration: 3, connections });
    const results = configs.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [index, config] of configs.entries()) {
        const result = await load(config.url, { token, body, expected, duration, connections });
        if (result.wrong > 0) throw new Error(`${config.name}: ${result.wrong} wrong answers`);
        results[index].push({ rps: result.rps, p50: result.p50, p99: result.p99 });
      }
    }
    return { configs, results };
  } finally {
    one.child.kill('SIGTERM');
    two.child.kill('SIGTERM');
    await Promise.all([once(one.child, 'exit'), once(two.child, 'exit')]);
  }
}
