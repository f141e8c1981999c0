import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * PGlite has no inter-process lock, and two processes writing one data directory
 * corrupt it. Like PostgreSQL's own postmaster.pid, we keep a lock file holding
 * our pid, created exclusively; a lock whose pid is gone (kill -9) is stale and taken over.
 */
export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `DATA_DIR "${dataDir}" is in use by another Gatehouse process (pid ${pid}). ` +
        'Stop it, or give this process its own DATA_DIR (or a DATABASE_URL).',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'gatehouse.pid';

// Directories locked by this process: after a restart in a container our pid may equal
// the stale file's (often 1), so "same pid" alone does not mean "locked by us".
const heldByThisProcess = new Set<string>();

/** Takes the lock on dataDir (creating the directory) or throws DataDirLockedError. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(resolve(dataDir), LOCK_FILE);
  if (heldByThisProcess.has(path)) throw new DataDirLockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
      await handle.close();
      heldByThisProcess.add(path);
      return {
        release: async () => {
          heldByThisProcess.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new DataDirLockedError(dataDir, holder);
    }
    // Stale (its process is gone) or unreadable: remove it and try again.
    await rm(path, { force: true });
  }
  throw new Error(`Could not take the lock file ${path}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
