import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Once per run: build dist/ (the process tests start the real entry point) and create,
 * with `npm run migrate`'s own entry point, one migrated embedded database that each
 * test app copies: a fresh PGlite directory costs ~5 s to initialise, a copy ~0.5 s.
 * On the PostgreSQL pass (DATABASE_URL) also a migrated template database on that
 * server, which each test app copies into a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const templateDir = await mkdtemp(join(tmpdir(), 'gatehouse-template-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: templateDir, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  execFileSync(process.execPath, ['dist/cli/migrate.js'], { env, stdio: 'pipe' });
  process.env.GATEHOUSE_TEST_TEMPLATE_DIR = templateDir;

  const server = process.env.DATABASE_URL;
  if (server !== undefined) {
    // test/helpers/app-database.ts copies it (the copies are named after it); teardown drops them all.
    const name = `gatehouse_run_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(server);
    url.pathname = `/${name}`;
    execFileSync(process.execPath, ['dist/cli/migrate.js'], { env: { ...env, DATABASE_URL: url.toString() }, stdio: 'pipe' });
    process.env.GATEHOUSE_TEST_PG_TEMPLATE = name;
  }
}
