// A Gatehouse server for the benchmark: the built app (dist/) on a fresh embedded database.
// Usage: node bench/server.mjs [--seed-users N --seed-sessions M]; prints {"url": …} when ready.
// Seeding writes users and sessions straight into the database (not through the API), so
// that W5 measures a request among a million sessions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createApp } from '../dist/app.js';
import { loadConfig } from '../dist/config.js';
import { openDatabase } from '../dist/db/database.js';

const { values } = parseArgs({ options: { 'seed-users': { type: 'string' }, 'seed-sessions': { type: 'string' } } });
const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
const seedUsers = Number(values['seed-users'] ?? 0);
const seedSessions = Number(values['seed-sessions'] ?? 0);
if (seedUsers > 0) {
  const database = await openDatabase({ databaseUrl: undefined, dataDir });
  await database.migrate();
  const started = performance.now();
  await database.db.execute(sql.raw(`
    insert into users (id, email, name, role, password_hash)
    select gen_random_uuid(), 'seed-' || i || '@example.com', 'Seed', 'USER', 'not a hash'
    from generate_series(1, ${seedUsers}) as i`));
  await database.db.execute(sql.raw(`
    insert into sessions (id, user_id, user_agent, expires_at, rotation_secret)
    select gen_random_uuid(), u.id, 'bench', now() + interval '30 days', 'seed'
    from (select id, row_number() over () as n from users) as u
    join generate_series(1, ${Math.ceil(seedSessions / seedUsers)}) as s on true`));
  await database.db.execute(sql.raw('analyze'));
  console.error(`seeded ${seedUsers} users and ${seedSessions} sessions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await database.close();
}
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
  LOG_LEVEL: 'warn',
  // W4 logs in as one user from one address, again and again.
  LOGIN_MAX_FAILURES: '1000000',
  LOGIN_MAX_FAILURES_PER_IP: '1000000',
  // The set-up signs every user up from one address.
  SIGNUP_MAX_PER_IP: '1000000',
});
const app = await createApp(config);
console.log(JSON.stringify({ url: app.url }));
process.on('SIGTERM', async () => {
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
});
