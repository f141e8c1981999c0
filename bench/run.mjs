// `npm run bench`: loads real Gatehouse servers over loopback with autocannon (a separate
// process), interleaving scenarios over rounds, and prints a Markdown table. Bounded:
// ROUNDS x scenarios x DURATION seconds (about 2 minutes by default).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { benchProcesses } from './processes.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();
// Server on core 0, load generator on core 1, where taskset exists.
const pinned = (core, command, args) => (hasTaskset ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);

async function startServer(sessionCacheTtlMs) {
  const [command, args] = pinned(0, process.execPath, ['bench/server.mjs', String(sessionCacheTtlMs)]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve([chunk.toString()]));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { url } = JSON.parse(line);
  // taskset execs node in place, so the child's pid is the server's either way.
  return { child, url, pid: child.pid };
}

async function cpuSeconds(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

async function graphql(url, query, variables, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

async function autocannon(url, { token, body, expected }) {
  const headers = ['-H', 'content-type=application/json', ...(token ? ['-H', `authorization=Bearer ${token}`] : [])];
  const [command, args] = pinned(1, process.execPath, [
    'node_modules/autocannon/autocannon.js',
    '-j', '-c', String(CONNECTIONS), '-d', String(DURATION), '-m', 'POST',
    ...headers, '-b', body, '--expectBody', expected, `${url}/graphql`,
  ]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await once(child, 'exit');
  return JSON.parse(output);
}

const ME = '{ me { id role } }';
const servers = { cached: await startServer(500), uncached: await startServer(0) };
const stopServers = () => Object.values(servers).forEach((server) => server.child.kill('SIGTERM'));
process.on('uncaughtException', (error) => {
  stopServers();
  console.error(error);
  process.exit(1);
});
const tokens = {};
const expectedBodies = {};
for (const [name, server] of Object.entries(servers)) {
  const signUp = await graphql(
    server.url,
    'mutation ($e: String!) { signUp(email: $e, password: "bench password 1") { accessToken user { id } } }',
    { e: `bench-${name}@example.com` },
  );
  tokens[name] = signUp.data.signUp.accessToken;
  // Exactly what the server sends, checked byte for byte on every response.
  expectedBodies[name] = `${JSON.stringify({ data: { me: { id: signUp.data.signUp.user.id, role: 'USER' } } })}\n`;
}

const TYPENAME = '{ __typename }';
const FEED = '{ feed(first: 100) { edges { node { id title author { id name } } } totalCount } }';

// 100 published posts by 10 authors on the cached server, for the feed workload.
for (let i = 0; i < 100; i++) {
  const author = await graphql(
    servers.cached.url,
    'mutation ($e: String!) { signUp(email: $e, password: "bench password 1", name: "Author") { accessToken } }',
    { e: `author-${i % 10}-${i}@example.com` },
  );
  const token = author.data.signUp.accessToken;
  const created = await graphql(servers.cached.url, 'mutation { createPost(title: "A post", body: "Some text") { id } }', {}, token);
  await graphql(servers.cached.url, 'mutation ($id: ID!) { publishPost(id: $id) { id } }', { id: created.data.createPost.id }, token);
}
const feedBody = await (
  await fetch(`${servers.cached.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.cached}` },
    body: JSON.stringify({ query: FEED }),
  })
).text();
if (JSON.parse(feedBody).data.feed.edges.length !== 100) throw new Error(`unexpected feed: ${feedBody.slice(0, 200)}`);
const scenarios = [
  { name: '`me`, token, session check cached (this version)', server: 'cached', token: true, query: ME },
  { name: '`me`, token, session read from the database per request (before)', server: 'uncached', token: true, query: ME },
  { name: '`me`, anonymous (no token, no check)', server: 'cached', token: false, query: ME },
  { name: '`__typename`, token, session check cached', server: 'cached', token: true, query: TYPENAME },
  { name: '`__typename`, anonymous', server: 'cached', token: false, query: TYPENAME },
  { name: '`feed(first: 100)` with authors, token', server: 'cached', token: true, query: FEED },
];
const expectedFor = (scenario) =>
  scenario.query === FEED
    ? feedBody
    : scenario.query === TYPENAME
    ? '{"data":{"__typename":"Query"}}\n'
    : scenario.token
      ? expectedBodies[scenario.server]
      : '{"data":{"me":null}}\n';
const results = scenarios.map(() => []);

// Warm up every scenario, then interleave: A B C A B C …
for (const scenario of scenarios) {
  const server = servers[scenario.server];
  await autocannon(server.url, {
    token: scenario.token ? tokens[scenario.server] : undefined,
    body: JSON.stringify({ query: scenario.query }),
    expected: expectedFor(scenario),
  });
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [index, scenario] of scenarios.entries()) {
    const server = servers[scenario.server];
    const cpuBefore = await cpuSeconds(server.pid);
    const result = await autocannon(server.url, {
      token: scenario.token ? tokens[scenario.server] : undefined,
      body: JSON.stringify({ query: scenario.query }),
      expected: expectedFor(scenario),
    });
    const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
    const wrong = result.errors + result.mismatches + result.non2xx;
    if (wrong > 0) throw new Error(`${scenario.name}: ${wrong} wrong answers (errors, mismatches or non-2xx)`);
    results[index].push({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuUsPerRequest: (cpu * 1e6) / result.requests.total,
    });
  }
}

for (const server of Object.values(servers)) {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = scenarios.map((scenario, index) => ({
  scenario: scenario.name,
  rps: median(results[index].map((r) => r.rps)),
  p50: median(results[index].map((r) => r.p50)),
  p99: median(results[index].map((r) => r.p99)),
  cpuUsPerRequest: median(results[index].map((r) => r.cpuUsPerRequest)),
}));
const base = rows[0].rps;
console.log(`\n${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS} connections, keep-alive, every response checked; ` +
  `node ${process.version}${hasTaskset ? ', server on core 0, load on core 1' : ''}; medians over rounds.\n`);
console.log('| scenario | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs first row |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.scenario} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.cpuUsPerRequest.toFixed(0)} | ${(row.rps / base).toFixed(3)} |`);
}
const ratio = (a, b) => (rows[a].rps / rows[b].rps).toFixed(3);
console.log(`\nThis version vs before (\`me\` with a token): ${ratio(0, 1)}x the throughput.`);
console.log(`Cost of token verification + cached session check (\`__typename\` with vs without a token): ` +
  `${((1 - rows[3].rps / rows[4].rps) * 100).toFixed(1)} % of throughput, ` +
  `${(rows[3].cpuUsPerRequest - rows[4].cpuUsPerRequest).toFixed(0)} µs of server CPU per request.`);
// One process against two (start:cluster): needs a real PostgreSQL.
let processes;
if (process.env.DATABASE_URL === undefined) {
  console.log('\n1 vs 2 processes: skipped (set DATABASE_URL to a PostgreSQL to measure start:cluster).');
} else {
  const { configs, results: raw } = await benchProcesses({
    databaseUrl: process.env.DATABASE_URL,
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS * 2,
  });
  processes = configs.map((config, index) => ({
    scenario: config.name,
    rps: median(raw[index].map((r) => r.rps)),
    p50: median(raw[index].map((r) => r.p50)),
    p99: median(raw[index].map((r) => r.p99)),
  }));
  console.log(`\n${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS * 2} connections, no pinning (two workers need both cores):\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  for (const row of processes) console.log(`| ${row.scenario} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} |`);
  console.log(`\n2 workers vs 1 process: ${(processes[1].rps / processes[0].rps).toFixed(2)}x the throughput.`);
}

await mkdir(new URL('results/', import.meta.url), { recursive: true });
const file = new URL(`results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
await writeFile(file, JSON.stringify({ node: process.version, rounds: ROUNDS, duration: DURATION, rows, processes, raw: results }, null, 2));
console.log(`\nRaw results: ${fileURLToPath(file)}`);
