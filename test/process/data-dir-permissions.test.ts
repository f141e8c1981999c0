import { chmod, lstat, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { runToExit, startServerProcess } from '../helpers/server-process.js';
import { ME, postGraphQL } from '../helpers/test-app.js';

const cleanup = useCleanup();

async function tempDir(options: { migrated?: boolean } = {}): Promise<string> {
  const dir = await makeTempDir('permissions', options);
  cleanup.push(() => removeTempDir(dir));
  return dir;
}

/** Every path under root (root included) whose mode lets group or others in, with its mode. */
async function sharedPaths(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string) => {
    const stats = await lstat(path);
    if ((stats.mode & 0o077) !== 0) found.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(root);
  return found;
}

describe('DATA_DIR permissions', () => {
  it('creates a fresh DATA_DIR with every directory 0700 and every file 0600, while running and after', async () => {
    const dataDir = join(await tempDir(), 'data');
    const server = await startServerProcess({ DATA_DIR: dataDir }, 60_000);
    cleanup.push(() => server.stop('SIGKILL'));
    expect((await postGraphQL(server.url, ME)).status).toBe(200);

    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    expect(await sharedPaths(dataDir)).toEqual([]);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await sharedPaths(dataDir)).toEqual([]);
  }, 90_000);

  it('fixes a group- and world-writable DATA_DIR (and database files) at start', async () => {
    const dataDir = await tempDir({ migrated: true });
    await chmod(dataDir, 0o777);
    await chmod(join(dataDir, 'pgdata'), 0o777);
    await chmod(join(dataDir, 'pgdata', 'PG_VERSION'), 0o666);
    const server = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: 'a'.repeat(40) });
    cleanup.push(() => server.stop('SIGKILL'));

    expect(await sharedPaths(dataDir)).toEqual([]);
  });

  it('refuses to start on a jwt-secret that group or others may read, naming the file and the fix', async () => {
    const dataDir = await tempDir({ migrated: true });
    const secret = join(dataDir, 'jwt-secret');
    await writeFile(secret, 'x'.repeat(86), { mode: 0o644 });
    await chmod(secret, 0o644);

    const { code, output } = await runToExit({ DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toContain(
      `Gatehouse failed to start: DATA_DIR: ${secret} is readable or writable by group or others (mode 0644): run chmod 600 ${secret}\n`,
    );
  });
});
