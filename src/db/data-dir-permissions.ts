import { chmodSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

// Owner-only: DATA_DIR holds the users' password hashes and emails and, in development,
// the signing key; any other local user who can read it can forge tokens or copy the
// database, and one who can write it can change it.
const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;
// Group or other bits of any kind.
const SHARED_BITS = 0o077;

/** A DATA_DIR whose permissions we may not change (it belongs to another user). */
export class DataDirPermissionsError extends Error {
  constructor(path: string, code: string | undefined) {
    super(
      `DATA_DIR: cannot make ${path} owner-only (${code ?? 'unknown error'}): ` +
        'run Gatehouse as the owner of DATA_DIR, or chown -R it to that user.',
    );
    this.name = 'DataDirPermissionsError';
  }
}

/**
 * Creates dataDir 0700, or takes away the group and other bits of an existing one (a
 * group- or world-writable DATA_DIR is fixed, not refused: Gatehouse owns it).
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: DIRECTORY_MODE });
  tighten(dataDir, DIRECTORY_MODE, statSync(dataDir).mode);
}

/**
 * Makes every directory under root 0700 and every file 0600. PGlite creates its files
 * 0666 whatever the umask, so this runs over pgdata after it opens and after it writes.
 * Synchronous: it runs only while nothing is served (start, stop), and ~1,000 lstat
 * calls take a third of the time they take through the thread pool.
 */
export function tightenTree(root: string): void {
  let stats;
  try {
    stats = lstatSync(root);
  } catch {
    return; // Removed meanwhile (PGlite deletes its temporary files).
  }
  if (stats.isDirectory()) {
    tighten(root, DIRECTORY_MODE, stats.mode);
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      return;
    }
    for (const entry of entries) tightenTree(join(root, entry));
  } else if (stats.isFile()) {
    tighten(root, FILE_MODE, stats.mode);
  }
}

function tighten(path: string, mode: number, current: number): void {
  if ((current & SHARED_BITS) === 0) return;
  try {
    chmodSync(path, (current & 0o700) | (mode & 0o700));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Removed meanwhile (PGlite deletes its temporary files): nothing left to protect.
    if (code === 'ENOENT') return;
    throw new DataDirPermissionsError(path, code);
  }
}
