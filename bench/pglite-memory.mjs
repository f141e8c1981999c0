// PGlite alone, without Gatehouse: resident memory and the WebAssembly heap after
// opening a copy of a data directory, after a few queries and after 10,000 of them.
//
//   node bench/pglite-memory.mjs <pgdata to copy> [-c name=value ...]
//
// The -c settings are passed to PostgreSQL after PGlite's own start parameters, as
// src/db/database.ts passes its settings. Prints one JSON line per stage.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [source, ...rest] = process.argv.slice(2);
if (source === undefined) {
  console.error('usage: node bench/pglite-memory.mjs <pgdata to copy> [-c name=value ...]');
  process.exit(2);
}
const started = performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const imported = performance.now();

const status = () => {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)[1]);
  return { rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024, fileMiB: kib('RssFile') / 1024 };
};
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
let client;
const report = (stage, extra = {}) => {
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  const { rssMiB, anonMiB, fileMiB } = status();
  console.log(
    JSON.stringify({
      stage,
      rssMiB: Math.round(rssMiB),
      anonMiB: Math.round(anonMiB),
      fileMiB: Math.round(fileMiB),
      heapUsedMiB: mib(heapUsed),
      externalMiB: mib(external),
      arrayBuffersMiB: mib(arrayBuffers),
      wasmHeapMiB: client?.mod ? mib(client.mod.HEAPU8.byteLength) : undefined,
      ...extra,
    }),
  );
};

const dumpMaps = (stage) => {
  if (!process.env.SMAPS) return;
  // The largest resident mappings: the WebAssembly memory is one reservation of several GiB.
  const maps = readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
  const sized = maps.map((block) => {
    const [range, perms, , , , ...name] = block.split('\n')[0].split(/\s+/);
    const [from, to] = range.split('-').map((hex) => BigInt(`0x${hex}`));
    return { at: range.split('-')[0], name: name.join(' '), perms, sizeMiB: Number((to - from) / 1048576n), rssMiB: Number(/\nRss:\s+(\d+)/.exec(block)[1]) / 1024 };
  });
  for (const map of sized.sort((a, b) => b.rssMiB - a.rssMiB).slice(0, 12)) console.log(JSON.stringify({ stage, ...map }));
};

report('imported', { ms: Math.round(imported - started) });
const dir = await mkdtemp(join(tmpdir(), 'pglite-memory-'));
const pgdata = join(dir, 'pgdata');
await cp(source, pgdata, { recursive: true });
try {
  const opening = performance.now();
  const startParams = rest.length === 0 ? undefined : [...PGlite.defaultStartParams, ...rest];
  client = new PGlite(pgdata, startParams === undefined ? {} : { startParams });
  await client.waitReady;
  report('opened', { ms: Math.round(performance.now() - opening) });
  dumpMaps('opened');
  const settings = await client.query(
    `select name, setting, unit from pg_settings where name in
       ('shared_buffers', 'wal_buffers', 'work_mem', 'maintenance_work_mem', 'temp_buffers', 'max_connections', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_locks_per_transaction', 'max_prepared_transactions', 'autovacuum_worker_slots')`,
  );
  console.log(JSON.stringify(Object.fromEntries(settings.rows.map((row) => [row.name, `${row.setting}${row.unit ?? ''}`]))));
  for (let i = 0; i < 10; i++) await client.query('select id, email from users where email = $1', [`user${i}@example.com`]);
  report('10 queries');
  const querying = performance.now();
  for (let i = 0; i < 10_000; i++) {
    if (i % 10 === 0) {
      await client.query(
        'insert into rate_limits (key, points, expire) values ($1, 1, now()) on conflict (key) do update set points = rate_limits.points + 1',
        [`bench:${i % 500}`],
      );
    } else {
      await client.query('select id, email from users where email = $1', [`user${i}@example.com`]);
    }
  }
  report('10,000 queries', { ms: Math.round(performance.now() - querying) });
  global.gc?.();
  report('after gc');
  dumpMaps('after gc');
} finally {
  await client?.close();
  await rm(dir, { recursive: true, force: true });
}
