import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirOptions {
  /** Copy the migrated template database (global setup's) into it, as DATA_DIR wants. @default false */
  migrated?: boolean;
}

/** Makes a fresh directory `gatehouse-<label>-XXXXXX` under the OS temp dir. */
export async function makeTempDir(label: string, { migrated = false }: TempDirOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-${label}-`));
  const template = process.env.GATEHOUSE_TEST_TEMPLATE_DIR;
  if (migrated && template !== undefined) {
    try {
      await cp(join(template, 'pgdata'), join(dir, 'pgdata'), { recursive: true });
    } catch (error) {
      await removeTempDir(dir);
      throw error;
    }
  }
  return dir;
}

/** Deletes a directory made by makeTempDir, and anything in it; a missing one is fine. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
