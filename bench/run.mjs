// `npm run bench`: Gatehouse against four baselines on one machine, over loopback.
// Each server runs in its own process; the load generator (bench/load.mjs, autocannon) in
// another; where taskset exists, servers are pinned to core 0 and the load to core 1.
// Scenarios are interleaved over rounds (A B C … A B C …) and every response is checked.
// Bounded: about (1 + ROUNDS) x scenarios x SECONDS plus set-up (≈ 6 minutes by default).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { SECRET as CANONICAL_SECRET, users as baselineUsers } from './baselines/data.mjs';
import { benchProcesses } from './processes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_SECONDS = 3;
const CONNECTIONS = 10;
const SEED_USERS = Number(process.env.BENCH_SEED_USERS ?? 100_000);
const SEED_SESSIONS = Number(process.env.BENCH_SEED_SESSIONS ?? 1_000_000);
// A soak of W1 with resident memory sampled; `BENCH_SOAK_SECONDS=300 npm run bench` for the 5-minute one.
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 0);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// BENCH_COMPARE_WITH=<another checkout, built> adds that Gatehouse as "previous": each of
// W1–W4 runs on it next to this one in every round, for a before/after in one run.
const PREVIOUS = process.env.BENCH_COMPARE_WITH;
const COMPARED = PREVIOUS !== undefined;
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();
const pinned = (core, args) => (hasTaskset ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args]);

const SERVERS = {
  gatehouse: { label: 'Gatehouse (embedded database)', args: ['bench/server.mjs'] },
  seeded: {
    label: `Gatehouse with ${SEED_USERS.toLocaleString('en')} users and ${SEED_SESSIONS.toLocaleString('en')} sessions`,
    args: ['bench/server.mjs', '--seed-users', String(SEED_USERS), '--seed-sessions', String(SEED_SESSIONS)],
  },
  canonical: { label: 'canonical Apollo + graphql-shield + jsonwebtoken (string secret)', args: ['bench/baselines/canonical.mjs'] },
  plain: { label: 'plain Apollo Server, no authentication', args: ['bench/baselines/plain-apollo.mjs'] },
  mercurius: { label: 'Fastify + Mercurius (graphql-jit) + @fastify/jwt', args: ['bench/baselines/mercurius.mjs'] },
  bare: { label: 'bare node:http, fixed body', args: ['bench/baselines/bare-http.mjs'] },
  ...(PREVIOUS && { previous: { label: `Gatehouse at ${PREVIOUS}`, args: ['bench/server.mjs'], cwd: PREVIOUS } }),
};

async function startServer(name) {
  const [command, args] = pinned(0, SERVERS[name].args);
  const child = spawn(command, args, { cwd: SERVERS[name].cwd ?? ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  // taskset execs node in place: the child's pid is the server's either way.
  return { child, url: JSON.parse(line).url, pid: child.pid };
}

async function procStat(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, // utime + stime, in clock ticks
    rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024,
  };
}

async function post(url, query, variables = {}, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

async function load(url, scenario, seconds) {
  const options = {
    url: `${url}/graphql`,
    body: scenario.body,
    headers: scenario.token ? { authorization: `Bearer ${scenario.token}` } : {},
    connections: scenario.connections ?? CONNECTIONS,
    seconds,
    ...(scenario.expected !== undefined && { expected: scenario.expected }),
  };
  const [command, args] = pinned(1, ['bench/load.mjs', JSON.stringify(options)]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'exit');
  return JSON.parse(output);
}

// BENCH_ONLY=W1,W2 runs those workloads (with their baselines) only: for iterating on one.
const only = process.env.BENCH_ONLY?.split(',').map((id) => id.trim());
const selected = (id) => only === undefined || only.includes(id.split(' ')[0]);
const servers = {};
const stopAll = () => Object.values(servers).forEach((server) => server.child.kill('SIGTERM'));
process.on('uncaughtException', (error) => {
  stopAll();
  console.error(error);
  process.exit(1);
});
const setUpStarted = performance.now();
const needed = new Set(['gatehouse', ...(selected('W5') ? ['seeded'] : []), 'canonical', 'plain', 'mercurius', 'bare', ...(COMPARED ? ['previous'] : [])]);
for (const name of needed) servers[name] = await startServer(name);

// Data: on Gatehouse, 10 authors with 10 published posts each (through the API); the
// baselines hold the same 100 posts in memory.
const signUp = async (url, email, name = 'Bench') => {
  const { text } = await post(url, 'mutation ($e: String!, $n: String) { signUp(email: $e, password: "bench password 1", name: $n) { accessToken user { id } } }', { e: email, n: name });
  return JSON.parse(text).data.signUp;
};
async function seed(url) {
  const reader = await signUp(url, 'reader@example.com');
  for (let a = 0; a < 10; a++) {
    const author = await signUp(url, `author-${a}@example.com`, 'Author');
    for (let p = 0; p < 10; p++) {
      const { text } = await post(url, 'mutation { createPost(title: "A post", body: "Some text") { id } }', {}, author.accessToken);
      await post(url, 'mutation ($id: ID!) { publishPost(id: $id) { id } }', { id: JSON.parse(text).data.createPost.id }, author.accessToken);
    }
  }
  return reader;
}
const reader = await seed(servers.gatehouse.url);
const previousReader = servers.previous && (await seed(servers.previous.url));
const seededReader = servers.seeded && (await signUp(servers.seeded.url, 'reader@example.com'));
const [canonicalUser] = baselineUsers.values();
const canonicalToken = jwt.sign({ sub: canonicalUser.id, role: 'USER' }, CANONICAL_SECRET, { algorithm: 'HS256', expiresIn: '1h' });

const W1 = '{ me { id email role } }';
const FEED = '{ feed(first: 100) { edges { node { id title body published author { id } } } } }';
// What the simplest server answers instead of a page: the same 100 posts as a flat list.
const FLAT = '{ posts(first: 100) { id title body published authorId } }';
const WIDE = 32;
const LOGIN = JSON.stringify({
  query: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
  variables: { e: 'reader@example.com', p: 'bench password 1' },
});
// Scenarios compared by a target run next to each other in every round, so that a slow
// spell of the machine (a shared VM drifts by ±15 % within minutes) hits both sides.
const scenarios = [
  { id: 'W1', server: 'gatehouse', token: reader.accessToken, query: W1, what: '`me`, with a token' },
  { id: 'W1 canonical', server: 'canonical', token: canonicalToken, query: W1, what: '`me`, with a token' },
  { id: 'W1 plain', server: 'plain', query: W1, what: '`me`, no authentication' },
  { id: 'W1 mercurius', server: 'mercurius', token: canonicalToken, query: W1, what: '`me`, with a token' },
  { id: 'W5', server: 'seeded', token: seededReader?.accessToken, query: W1, what: '`me`, with a token, among 1M sessions' },
  { id: 'W1 bare', server: 'bare', query: W1, what: 'a fixed body of the same shape' },
  { id: 'W2', server: 'gatehouse', token: reader.accessToken, query: FEED, what: 'feed of 100 posts, with a token' },
  { id: 'W3', server: 'gatehouse', query: FEED, what: 'feed of 100 posts, anonymous' },
  { id: 'W2 canonical', server: 'canonical', token: canonicalToken, query: FEED, what: 'feed of 100 posts, with a token' },
  { id: 'W3 plain', server: 'plain', query: FEED, what: 'feed of 100 posts, anonymous' },
  { id: 'W2 plain', server: 'plain', query: FLAT, what: 'the 100 posts as a flat list, no authentication' },
  { id: 'W2 32c', server: 'gatehouse', token: reader.accessToken, query: FEED, connections: WIDE, what: `feed of 100 posts, with a token, ${WIDE} connections` },
  { id: 'W2 canonical 32c', server: 'canonical', token: canonicalToken, query: FEED, connections: WIDE, what: `feed of 100 posts, with a token, ${WIDE} connections` },
  { id: 'W2 plain 32c', server: 'plain', query: FLAT, connections: WIDE, what: `the 100 posts as a flat list, no authentication, ${WIDE} connections` },
  { id: 'W4', server: 'gatehouse', body: LOGIN, what: '`login` (argon2id)' },
]
  // With BENCH_COMPARE_WITH, each of Gatehouse's own workloads is followed by the same on "previous".
  .flatMap((scenario) =>
    COMPARED && scenario.server === 'gatehouse'
      ? [scenario, { ...scenario, id: `${scenario.id} previous`, server: 'previous', token: scenario.token && previousReader.accessToken }]
      : [scenario],
  )
  .filter((scenario) => selected(scenario.id));
// What each answer must be, byte for byte (W4: a token and no error, checked in load.mjs).
for (const scenario of scenarios) {
  scenario.body ??= JSON.stringify({ query: scenario.query });
  if (scenario.id.startsWith('W4')) continue;
  const { status, text } = await post(servers[scenario.server].url, scenario.query, {}, scenario.token);
  const data = JSON.parse(text).data;
  const ok =
    status === 200 &&
    (scenario.query === W1 ? data?.me?.id !== undefined : (data?.feed?.edges ?? data?.posts)?.length === 100);
  if (!ok) throw new Error(`${scenario.id}: unexpected answer ${status} ${text.slice(0, 200)}`);
  scenario.expected = text;
}
const setUpSeconds = (performance.now() - setUpStarted) / 1000;

const results = Object.fromEntries(scenarios.map((scenario) => [scenario.id, []]));
for (const scenario of scenarios) await load(servers[scenario.server].url, scenario, WARM_UP_SECONDS);
const rssAfterWarmUp = {};
for (const [name, server] of Object.entries(servers)) rssAfterWarmUp[name] = (await procStat(server.pid)).rssMiB;
for (let round = 0; round < ROUNDS; round++) {
  for (const scenario of scenarios) {
    const server = servers[scenario.server];
    const before = await procStat(server.pid);
    const result = await load(server.url, scenario, SECONDS);
    const after = await procStat(server.pid);
    if (result.wrong > 0) throw new Error(`${scenario.id}: ${result.wrong} wrong answers (errors, mismatches or non-2xx)`);
    results[scenario.id].push({ ...result, cpuUsPerRequest: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / result.total });
  }
}
const rssAtEnd = {};
for (const [name, server] of Object.entries(servers)) rssAtEnd[name] = (await procStat(server.pid)).rssMiB;

let soak;
if (SOAK_SECONDS > 0) {
  // W1 at full load, resident memory sampled every 10 s.
  const scenario = scenarios[0];
  const samples = [(await procStat(servers.gatehouse.pid)).rssMiB];
  const sampling = setInterval(async () => samples.push((await procStat(servers.gatehouse.pid)).rssMiB), 10_000);
  const result = await load(servers.gatehouse.url, scenario, SOAK_SECONDS);
  clearInterval(sampling);
  samples.push((await procStat(servers.gatehouse.pid)).rssMiB);
  if (result.wrong > 0) throw new Error(`soak: ${result.wrong} wrong answers`);
  soak = { seconds: SOAK_SECONDS, rps: result.rps, rssMiB: samples, growth: samples.at(-1) / samples[0] - 1 };
}

for (const server of Object.values(servers)) {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

// W4's yardstick: one password verification alone, on the servers' core, nothing else running.
let argon2;
if (selected('W4')) {
  const [command, args] = pinned(0, ['bench/argon2-alone.mjs']);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'exit');
  argon2 = JSON.parse(output);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = Object.fromEntries(
  scenarios.map((scenario) => {
    const runs = results[scenario.id];
    return [scenario.id, { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)) }];
  }),
);
// A target's ratio: taken within each round (the two sides minutes apart at most), then
// the median over rounds.
const ratio = (a, b) =>
  results[a] && results[b] ? median(results[a].map((run, round) => run.rps / results[b][round].rps)) : NaN;
const times = (v) => `${v.toFixed(3)}×`;
const mib = (v) => `${v.toFixed(0)} MiB`;
const targets = [
  { target: 'W1 ≥ 1.0× plain Apollo (no auth)', value: ratio('W1', 'W1 plain'), pass: (v) => v >= 1, format: times },
  { target: 'W1 ≥ 0.75× Mercurius + @fastify/jwt (stretch)', value: ratio('W1', 'W1 mercurius'), pass: (v) => v >= 0.75, format: times },
  { target: 'W1 ≥ 3× canonical', value: ratio('W1', 'W1 canonical'), pass: (v) => v >= 3, format: times },
  { target: `W2 ≥ 1.0× plain Apollo's flat list (${CONNECTIONS} connections)`, value: ratio('W2', 'W2 plain'), pass: (v) => v >= 1, format: times },
  { target: `W2 ≥ 2× canonical (${CONNECTIONS} connections)`, value: ratio('W2', 'W2 canonical'), pass: (v) => v >= 2, format: times },
  { target: `W2 ≥ 1.0× plain Apollo's flat list (${WIDE} connections)`, value: ratio('W2 32c', 'W2 plain 32c'), pass: (v) => v >= 1, format: times },
  { target: `W2 ≥ 2× canonical (${WIDE} connections)`, value: ratio('W2 32c', 'W2 canonical 32c'), pass: (v) => v >= 2, format: times },
  {
    target: 'W4: CPU per login ≤ one argon2id verification alone + 5 ms',
    value: argon2 && rows.W4 ? (rows.W4.cpuUsPerRequest - argon2.cpuUsPerVerify) / 1000 : NaN,
    pass: (v) => v <= 5,
    format: (v) => `${v.toFixed(1)} ms over the verification's ${(argon2.cpuUsPerVerify / 1000).toFixed(1)} ms`,
  },
  { target: 'resident memory after warm-up ≤ 250 MiB (embedded)', value: rssAfterWarmUp.gatehouse, pass: (v) => v <= 250, format: mib },
  { target: 'auth overhead ≤ 5 % (W2 vs W3)', value: 1 - ratio('W2', 'W3'), pass: (v) => v <= 0.05, format: (v) => `${(v * 100).toFixed(1)} %` },
  { target: 'W5 within 10 % of W1', value: ratio('W5', 'W1'), pass: (v) => Math.abs(1 - v) <= 0.1, format: (v) => `${v.toFixed(3)}×` },
  ...['W1', 'W2', 'W3', 'W4'].map((id) => ({ target: `${id} against ${SERVERS.previous?.label}, within 5 %`, value: ratio(id, `${id} previous`), pass: (v) => v >= 0.95, format: (v) => `${v.toFixed(3)}×` })),
  ...(soak
    ? [
        { target: `RSS growth < 10 % over a ${soak.seconds} s soak`, value: soak.growth, pass: (v) => v < 0.1, format: (v) => `${(v * 100).toFixed(1)} %` },
        { target: `resident memory after the ${soak.seconds} s soak ≤ 250 MiB`, value: soak.rssMiB.at(-1), pass: (v) => v <= 250, format: mib },
      ]
    : []),
];

console.log(`\n## npm run bench — ${new Date().toISOString().slice(0, 16)}Z\n`);
console.log(`${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}; ${ROUNDS} rounds × ${SECONDS} s after a ${WARM_UP_SECONDS} s warm-up, ` +
  `${CONNECTIONS} keep-alive connections, every response checked${hasTaskset ? '; servers on core 0, load generator on core 1' : ''}; medians over rounds (targets: the median of each round's ratio). Set-up ${setUpSeconds.toFixed(0)} s.\n`);
console.log('| workload | server | req/s | p50 ms | p99 ms | server CPU µs/req |');
console.log('|---|---|---:|---:|---:|---:|');
for (const scenario of scenarios) {
  const row = rows[scenario.id];
  console.log(`| ${scenario.id}: ${scenario.what} | ${SERVERS[scenario.server].label} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.cpuUsPerRequest.toFixed(0)} |`);
}
console.log('\n| target | measured | met |');
console.log('|---|---:|---|');
for (const t of targets.filter((t) => !Number.isNaN(t.value))) console.log(`| ${t.target} | ${t.format(t.value)} | ${t.pass(t.value) ? 'yes' : '**no**'} |`);
console.log(`\nResident memory (MiB) after warm-up → end: ${Object.keys(servers).map((name) => `${name} ${rssAfterWarmUp[name].toFixed(0)} → ${rssAtEnd[name].toFixed(0)}`).join(', ')}.`);
if (soak) console.log(`Soak (W1, ${soak.seconds} s, ${soak.rps.toFixed(0)} req/s): RSS ${soak.rssMiB.map((v) => v.toFixed(0)).join(' → ')} MiB.`);
else console.log('Soak: skipped (BENCH_SOAK_SECONDS=300 npm run bench for the 5-minute one).');

// One process against two (start:cluster): needs a real PostgreSQL.
let processes;
if (process.env.DATABASE_URL === undefined) {
  console.log('\n1 vs 2 processes: skipped (set DATABASE_URL to a PostgreSQL to measure start:cluster).');
} else {
  const { configs, results: raw } = await benchProcesses({ databaseUrl: process.env.DATABASE_URL, rounds: ROUNDS, duration: SECONDS, connections: CONNECTIONS * 2 });
  processes = configs.map((config, index) => ({ scenario: config.name, rps: median(raw[index].map((r) => r.rps)), p50: median(raw[index].map((r) => r.p50)), p99: median(raw[index].map((r) => r.p99)) }));
  console.log(`\n${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS * 2} connections, no pinning (two workers need both cores):\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const row of processes) console.log(`| ${row.scenario} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} |`);
  console.log(`\n2 workers vs 1 process: ${(processes[1].rps / processes[0].rps).toFixed(2)}× the throughput.`);
}

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const file = new URL(`results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
await writeFile(file, JSON.stringify({ node: process.version, rounds: ROUNDS, seconds: SECONDS, rows, targets: targets.map(({ target, value }) => ({ target, value })), rssAfterWarmUp, rssAtEnd, soak, argon2, processes, raw: results }, null, 2));
console.log(`\nRaw results: ${fileURLToPath(file)}`);
