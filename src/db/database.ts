import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import {
  createLocalChangeFeed,
  createPostgresChangeFeed,
  type ChangeFeed,
} from './change-feed.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import * as schema from './schema.js';

/** The typed query layer, the same for the embedded and the real PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly db: Db;
  readonly kind: 'embedded' | 'postgres';
  /** Changes every process on this database hears about (session revocations, role changes). */
  readonly changes: ChangeFeed;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Applies pending migrations under an advisory lock, so concurrent starts apply each once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL of a real server; undefined = embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Connection problems that the database layer recovers from by itself, for the log. */
  onError?: (error: Error) => void;
  /** Called with every query's SQL text (never its parameters): tests count queries. */
  onQuery?: (sql: string) => void;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
// Any fixed 64-bit key works; it only has to be the same in every Gatehouse process.
const MIGRATION_LOCK_KEY = 4_711_202_611n;

/** Opens the configured database. The embedded one is locked against other processes. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined
    ? openEmbedded(options.dataDir, options.onQuery)
    : openPostgres(options.databaseUrl, options.onError ?? (() => {}), options.onQuery);
}

const queryLogger = (onQuery: ((sql: string) => void) | undefined) =>
  onQuery === undefined ? false : { logQuery: (query: string) => onQuery(query) };

async function openEmbedded(dataDir: string, onQuery?: (sql: string) => void): Promise<Database> {
  const lock: DataDirLock = await lockDataDir(dataDir);
  const pgdata = join(dataDir, 'pgdata');
  let client: PGlite;
  try {
    if (!existsSync(pgdata)) await initializeDataDir(pgdata);
    client = new PGlite(pgdata);
    await client.waitReady;
  } catch (error) {
    await lock.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema, logger: queryLogger(onQuery) });
  return {
    db: db as unknown as Db,
    kind: 'embedded',
    changes: createLocalChangeFeed(),
    ping: async () => {
      await client.query('select 1');
    },
    migrate: async () => {
      // One connection: the session-level advisory lock is held by the migrator's own session.
      await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
      try {
        await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
      }
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        await lock.release();
      }
    },
  };
}

/**
 * Runs PGlite's initdb in a worker thread that then exits. initdb grows the WebAssembly
 * heap by ~500 MB and a heap never shrinks; in a worker it is freed with the worker,
 * so the server runs in ~400 MB instead of ~850 MB, for ~0.5 s more on the first start.
 */
async function initializeDataDir(pgdata: string): Promise<void> {
  const pgliteUrl = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     import(workerData.pgliteUrl).then(async ({ PGlite }) => {
       const db = new PGlite(workerData.pgdata);
       await db.waitReady;
       await db.close();
     });`,
    { eval: true, workerData: { pgliteUrl, pgdata } },
  );
  const [code] = (await Promise.race([once(worker, 'exit'), once(worker, 'error').then(([error]) => { throw error; })])) as [number];
  if (code !== 0) throw new Error(`Initialising the embedded database in ${pgdata} failed (exit ${code}).`);
}

async function openPostgres(
  databaseUrl: string,
  onError: (error: Error) => void,
  onQuery?: (sql: string) => void,
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // An idle client's connection error (server restart) must not crash the process.
  pool.on('error', onError);
  const db = drizzlePostgres({ client: pool, schema, logger: queryLogger(onQuery) });
  const changes = createPostgresChangeFeed(databaseUrl, pool, onError);
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    changes,
    ping: async () => {
      await pool.query('select 1');
    },
    migrate: async () => {
      // A session-level lock belongs to one connection: take it, migrate and unlock on the same one.
      const connection = new pg.Client({ connectionString: databaseUrl });
      await connection.connect();
      try {
        await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
        await migratePostgres(drizzlePostgres({ client: connection }), {
          migrationsFolder: MIGRATIONS_FOLDER,
        });
      } finally {
        await connection.end();
      }
    },
    close: async () => {
      await changes.close();
      await pool.end();
    },
  };
}

/**
 * A database error fit for the log: drizzle's messages carry the query's parameters,
 * which may be password or token hashes, so only the SQL text and the driver's own
 * message and code are kept.
 */
export function describeDatabaseError(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error) || !('query' in error) || !('params' in error)) return undefined;
  const cause = error.cause as { message?: unknown; code?: unknown } | undefined;
  return {
    type: 'DatabaseError',
    query: String(error.query),
    message: typeof cause?.message === 'string' ? cause.message : 'database query failed',
    code: typeof cause?.code === 'string' ? cause.code : undefined,
  };
}
