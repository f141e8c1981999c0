import { randomBytes } from 'node:crypto';
import { queryOnce } from './scratch-database.js';

/**
 * On the PostgreSQL pass (DATABASE_URL set) every test app gets a database of its own,
 * copied from the migrated template global setup made (`create database … template …`,
 * ~0.3 s): test files run two at a time, and a feed, a user count or "the last admin"
 * must not see another file's rows. Keyed by the app's DATA_DIR, so a restart that
 * reuses the directory reuses the database too.
 */
const byDataDir = new Map<string, string>();

/** The template's name, when this run has one (global setup sets it on the PostgreSQL pass). */
function template(): { server: string; name: string } | undefined {
  const server = process.env.DATABASE_URL;
  const name = process.env.GATEHOUSE_TEST_PG_TEMPLATE;
  return server !== undefined && name !== undefined ? { server, name } : undefined;
}

/** The DATABASE_URL for an app on this DATA_DIR: its own copy of the template, or none (embedded). */
export async function databaseFor(dataDir: string): Promise<string | undefined> {
  const known = byDataDir.get(dataDir);
  if (known !== undefined) return known;
  const source = template();
  if (source === undefined) return process.env.DATABASE_URL;
  const name = `${source.name}_${randomBytes(5).toString('hex')}`;
  await queryOnce(source.server, `create database ${name} template ${source.name}`);
  const url = new URL(source.server);
  url.pathname = `/${name}`;
  byDataDir.set(dataDir, url.toString());
  return url.toString();
}

/**
 * Drops the database databaseFor made for this DATA_DIR, if it made one. An autovacuum
 * worker on the fresh copy is the server's, which the test role may not terminate (42501):
 * it is done within moments, so the drop is tried again; failing that, global teardown
 * drops what is left.
 */
export async function dropDatabaseFor(dataDir: string): Promise<void> {
  const url = byDataDir.get(dataDir);
  const source = template();
  byDataDir.delete(dataDir);
  if (url === undefined || source === undefined) return;
  const statement = `drop database if exists ${new URL(url).pathname.slice(1)} with (force)`;
  for (let attempt = 1; ; attempt++) {
    try {
      await queryOnce(source.server, statement);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      if (attempt === 50) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
