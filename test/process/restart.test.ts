import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { exportTrackedTree, userShellEnv } from '../helpers/committed-tree.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { postGraphQL } from '../helpers/test-app.js';

const cleanup = useCleanup();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every file under dist/ with its modification time. */
function distFiles(tree: string): Map<string, number> {
  const files = new Map<string, number>();
  for (const entry of readdirSync(join(tree, 'dist'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, statSync(path).mtimeMs);
  }
  return files;
}

/**
 * CPU seconds that a running process's finished children used (Linux's cutime + cstime):
 * for `npm start` once the server is ready, that is what its prestart (the build) cost.
 */
function finishedChildrenCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses: field 3 first, cutime is field 16.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ: 100 ticks a second
}

/** `npm start` in `tree` until ready, then SIGTERM: resolves with the CPU its build step used. */
async function startAndStop(tree: string, dataDir: string): Promise<number> {
  const npm = spawn('npm', ['start'], {
    cwd: tree,
    env: userShellEnv({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(async () => npm.exitCode === null && npm.signalCode === null && npm.kill('SIGKILL'));
  let output = '';
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    npm.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Gatehouse ready at (http:\/\/[^/"]+)\/graphql/.exec(output);
      if (match) resolve(match[1]!);
    });
    npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  const buildCpu = finishedChildrenCpuSeconds(npm.pid!);
  expect((await postGraphQL(url, '{ __typename }')).status).toBe(200);
  const exited = once(npm, 'exit');
  npm.kill('SIGTERM');
  expect((await exited)[0]).toBe(0);
  return buildCpu;
}

describe('npm start on a current build', () => {
  it('does not compile again: nothing in dist/ is rewritten and its build step costs a small part of the first', async () => {
    const tree = await makeTempDir('restart');
    cleanup.push(() => removeTempDir(tree));
    exportTrackedTree(tree);
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(tree, 'node_modules'));
    const dataDir = await makeTempDir('restart-data', { migrated: true });
    cleanup.push(() => removeTempDir(dataDir));

    // CPU time, not elapsed time: it does not depend on what else the machine runs. A
    // compiler that parses and checks the program again (`tsc -p`, incremental or not)
    // costs a third of a full build; `tsc -b` on a current build only compares times.
    const first = await startAndStop(tree, dataDir); // builds dist/ from nothing
    const built = distFiles(tree);
    expect(built.has(join(tree, 'dist/main.js'))).toBe(true);

    const second = await startAndStop(tree, dataDir);
    expect(distFiles(tree)).toEqual(built);
    expect(second / first).toBeLessThan(0.1);

    // A changed source is built again by the next start.
    appendFileSync(join(tree, 'src/ids.ts'), '\n// changed after the first build\n');
    await startAndStop(tree, dataDir);
    expect(readFileSync(join(tree, 'dist/ids.js'), 'utf8')).toContain('// changed after the first build');
  }, 300_000);
});
