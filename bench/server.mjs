// A Gatehouse server for the benchmark: the built app (dist/) on a fresh embedded database.
// Usage: node bench/server.mjs <sessionCacheTtlMs>; prints {"url": …} when ready.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../dist/app.js';
import { loadConfig } from '../dist/config.js';

const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
  LOG_LEVEL: 'warn',
});
const app = await createApp(config, { sessionCacheTtlMs: Number(process.argv[2] ?? 500) });
console.log(JSON.stringify({ url: app.url }));
process.on('SIGTERM', async () => {
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
});
