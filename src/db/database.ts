import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
import { secureDataDir, tightenTree } from './data-dir-permissions.js';
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
  /** The connection pool's state (PostgreSQL only: the embedded database has no pool). */
  poolStats?(): { total: number; idle: number; waiting: number };
}

export interface DatabaseOptions {
  /** postgres:// URL of a real server; undefined = embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Connection problems that the database layer recovers from by itself, for the log. */
  onError?: (error: Error) => void;
  /** Called with every query's SQL text (never its parameters): tests count queries. */
  onQuery?: (sql: string) => void;
  /** Connections per process to a real PostgreSQL. @default 10 */
  poolSize?: number;
  /** PostgreSQL's statement_timeout for every query, in ms. @default 5000 */
  statementTimeoutMs?: number;
}

// Waiting longer than this for a connection (new or from the pool) fails the request:
// with the database down or unreachable, clients get an answer instead of a hang.
const CONNECT_TIMEOUT_MS = 5_000;

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
// Any fixed 64-bit key works; it only has to be the same in every Gatehouse process.
const MIGRATION_LOCK_KEY = 4_711_202_611n;

/** Opens the configured database. The embedded one is locked against other processes. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined
    ? openEmbedded(options.dataDir, options.onQuery)
    : openPostgres(options.databaseUrl, {
        onError: options.onError ?? (() => {}),
        onQuery: options.onQuery,
        poolSize: options.poolSize ?? 10,
        statementTimeoutMs: options.statementTimeoutMs ?? 5_000,
      });
}

const queryLogger = (onQuery: ((sql: string) => void) | undefined) =>
  onQuery === undefined ? false : { logQuery: (query: string) => onQuery(query) };

async function openEmbedded(dataDir: string, onQuery?: (sql: string) => void): Promise<Database> {
  await secureDataDir(dataDir);
  const lock: DataDirLock = await lockDataDir(dataDir);
  const pgdata = join(dataDir, 'pgdata');
  let client: PGlite;
  try {
    if (!existsSync(pgdata)) await initializeDataDir(pgdata);
    client = new PGlite(pgdata, { startParams: EMBEDDED_START_PARAMS });
    await client.waitReady;
    // PGlite writes its files 0666 whatever the umask; this also tightens an older DATA_DIR.
    tightenTree(pgdata);
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
      // The files the migrations created.
      tightenTree(pgdata);
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
        // The files created while the server ran (main.ts's umask does not reach PGlite's).
        tightenTree(pgdata);
      } finally {
        await lock.release();
      }
    },
  };
}

/**
 * PostgreSQL's settings for the embedded database, after PGlite's own start parameters
 * (a later -c wins over an earlier one and over DATA_DIR/pgdata/postgresql.conf).
 *
 * PGlite's initdb writes PostgreSQL's defaults for a server: shared_buffers = 128MB and
 * max_connections = 100, 145 MB of shared memory in all. In WebAssembly that shared
 * memory is an ordinary allocation that PostgreSQL zeroes at every start, so all of it
 * is resident from the first second (and zeroing it was the largest single cost of
 * opening the database). PGlite runs one backend in this one process, and the operating
 * system's page cache still holds the files behind a smaller buffer pool, so:
 * - shared_buffers = 16MB: 2,048 pages of 8 kB, twice the whole of a freshly migrated
 *   database (7.8 MB, catalogs included); a larger one spills to reads of the page
 *   cache (a system call, not a disk read).
 * - max_connections = 10: the one backend, with room for PostgreSQL's reserved slots;
 *   each slot costs lock-table and process-array memory.
 * Together: 24 MB of shared memory instead of 145 MB. Durability is unchanged (these
 * only size caches; WAL and commit settings stay as PGlite sets them).
 */
const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'max_connections=10'];

/**
 * Runs PGlite's initdb in a child process that then exits. initdb grows the WebAssembly
 * heap by ~500 MB and a heap never shrinks. A worker thread (as before) freed the heap
 * but left ~100-150 MB behind in this process (the thread's malloc arenas and what V8
 * keeps of a second PGlite), which a fresh DATA_DIR's server then carried for as long
 * as it ran; a process returns everything to the system, for ~0.1 s more of a first
 * start that takes ~5 s anyway. It opens with the server's settings, as the server then does.
 *
 * It initialises a directory beside pgdata and renames it when complete: a start killed
 * halfway leaves no pgdata that looks ready (the next start begins again), and the child
 * stops when its parent dies (its IPC channel closes) instead of writing on alone.
 */
async function initializeDataDir(pgdata: string): Promise<void> {
  // Named per attempt: the child of a killed start may still be writing into its own.
  const parent = dirname(pgdata);
  const prefix = `${basename(pgdata)}.initializing-`;
  for (const leftover of (await readdir(parent)).filter((name) => name.startsWith(prefix))) {
    await rm(join(parent, leftover), { recursive: true, force: true }).catch(() => {});
  }
  const initializing = `${pgdata}.initializing-${process.pid}`;
  const pgliteUrl = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const script = `
    process.on('disconnect', () => process.exit(1));
    const [pgliteUrl, pgdata, startParams] = JSON.parse(process.argv[1]);
    const { PGlite } = await import(pgliteUrl);
    const db = new PGlite(pgdata, { startParams });
    await db.waitReady;
    await db.close();
    process.exit(0);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([pgliteUrl, initializing, EMBEDDED_START_PARAMS])], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(([error]) => { throw error; })])) as [number | null];
  if (code !== 0) {
    const reason = stderr.trim().split('\n').at(-1) ?? '';
    throw new Error(`Initialising the embedded database in ${pgdata} failed (exit ${code})${reason === '' ? '' : `: ${reason}`}.`);
  }
  await rename(initializing, pgdata);
}

interface PostgresOptions {
  onError: (error: Error) => void;
  onQuery: ((sql: string) => void) | undefined;
  poolSize: number;
  statementTimeoutMs: number;
}

async function openPostgres(
  databaseUrl: string,
  { onError, onQuery, poolSize, statementTimeoutMs }: PostgresOptions,
): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // The server ends a statement that runs too long; the client stops waiting a little
    // later, for a server that no longer answers at all.
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
  });
  // An idle client's connection error (server restart) must not crash the process.
  pool.on('error', onError);
  await checkConnection(pool, databaseUrl);
  const db = drizzlePostgres({ client: pool, schema, logger: queryLogger(onQuery) });
  const changes = createPostgresChangeFeed(databaseUrl, pool, onError);
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    changes,
    ping: async () => {
      await pool.query('select 1');
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
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
 * The first connection, before anything else connects: an unreachable server, a refused
 * login or a missing database stops the start with one line naming DATABASE_URL.
 */
async function checkConnection(pool: pg.Pool, databaseUrl: string): Promise<void> {
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `DATABASE_URL: cannot use the database at ${describeDatabaseUrl(databaseUrl)} (${reason}): ` +
        'check that PostgreSQL runs there and that the URL has the right user, password and database name.',
    );
  }
}

/** The URL without its password (the log and the terminal never show it). */
function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.username === '' ? '' : `${decodeURIComponent(url.username)}@`}${url.host}${url.pathname}`;
  } catch {
    return 'the configured address';
  }
}

// SQLSTATE classes and codes that mean "the database cannot serve us now", not "this
// query is wrong": connection exceptions (08), shutdown and crash (57P01-57P03),
// too many connections (53300), statement timeout (57014).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Connection refused/i;

/** Whether an error (or its cause) means the database is unreachable or overloaded, not that a query is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: Node's own socket errors may come from another realm.
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, message, errors, cause } = current as {
      code?: unknown;
      message?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) {
      return true;
    }
    // A failed query's own message quotes its parameters: only a driver's message counts.
    if (typeof message === 'string' && !('query' in current) && UNAVAILABLE_MESSAGES.test(message)) return true;
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = cause;
  }
  return false;
}

// SQLSTATE 23503: a row refers to one that is not there (or no longer is).
const FOREIGN_KEY_VIOLATION = '23503';

/** Whether an error (or its cause) is a foreign-key violation: the row referred to was deleted meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (code === FOREIGN_KEY_VIOLATION) return true;
    current = cause;
  }
  return false;
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
