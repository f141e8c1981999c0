// Restart-to-ready and resident memory of the embedded server on an existing DATA_DIR.
//
//   node bench/restart.mjs [runs] [warm-up seconds]      (after `npm run build`)
//
// Creates and migrates one DATA_DIR with a first start, then, `runs` times: starts
// `npm start` on it, times the wall clock from spawn to the "Gatehouse ready" line (with
// the server's own startupMs), reads its resident memory, loads it with W1 (`me` with a
// token, 10 connections, bench/load.mjs) for the warm-up, reads it again, stops it.
// Prints one JSON line per run and the medians. The load average is printed too: on a
// shared machine a restart time means little without it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.argv[2] ?? 5);
const WARM_UP_SECONDS = Number(process.argv[3] ?? 10);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-restart-'));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
};

const rssMiB = async (pid) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function start(command, args) {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((text) => text.includes('Gatehouse ready'));
      if (line !== undefined) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, wallMs: performance.now() - started, startupMs: ready.startupMs, url: /at (http:\/\/[^/]+)\//.exec(ready.msg)[1] };
}

async function stop({ child }) {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

async function post(url, query, variables, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.text();
}

async function load(url, token, expected, seconds) {
  const options = { url: `${url}/graphql`, body: JSON.stringify({ query: '{ me { id email role } }' }), headers: { authorization: `Bearer ${token}` }, connections: 10, seconds, expected };
  const child = spawn(process.execPath, ['bench/load.mjs', JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'exit');
  return JSON.parse(output);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
try {
  // The first start creates and migrates the data directory (not counted).
  const first = await start(process.execPath, ['dist/main.js']);
  const signUp = JSON.parse(
    await post(first.url, 'mutation { signUp(email: "restart@example.com", password: "bench password 1") { user { id } } }'),
  ).data.signUp;
  console.log(JSON.stringify({ firstStartWallMs: Math.round(first.wallMs), startupMs: first.startupMs, rssMiB: Math.round(await rssMiB(first.child.pid)) }));
  await stop(first);
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const loadBefore = loadavg()[0];
    const server = await start('npm', ['start', '--silent']);
    // npm runs the server as a child of its own: the data directory's lock file names it.
    const pid = Number(await readFile(join(dataDir, 'gatehouse.pid'), 'utf8'));
    const rssReady = await rssMiB(pid);
    const login = JSON.parse(
      await post(server.url, 'mutation { login(email: "restart@example.com", password: "bench password 1") { accessToken } }'),
    ).data.login;
    const expected = `${JSON.stringify({ data: { me: { id: signUp.user.id, email: 'restart@example.com', role: 'USER' } } })}\n`;
    const result = await load(server.url, login.accessToken, expected, WARM_UP_SECONDS);
    if (result.wrong > 0) throw new Error(`${result.wrong} wrong answers`);
    const rssWarm = await rssMiB(pid);
    await stop(server);
    const row = { run: run + 1, wallMs: Math.round(server.wallMs), startupMs: server.startupMs, rssReadyMiB: Math.round(rssReady), rssAfterWarmUpMiB: Math.round(rssWarm), rps: Math.round(result.rps), load1: loadBefore };
    runs.push(row);
    console.log(JSON.stringify(row));
  }
  console.log(
    JSON.stringify({
      median: {
        wallMs: median(runs.map((row) => row.wallMs)),
        startupMs: median(runs.map((row) => row.startupMs)),
        rssReadyMiB: median(runs.map((row) => row.rssReadyMiB)),
        rssAfterWarmUpMiB: median(runs.map((row) => row.rssAfterWarmUpMiB)),
      },
      loadavg: loadavg().map((value) => Number(value.toFixed(2))),
    }),
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
