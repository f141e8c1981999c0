import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Writes what a fresh clone would hold into `dir`: the tracked files, as they are in the
 * working tree (uncommitted edits included, so a change can be tested before it is
 * committed), and nothing ignored or untracked (no dist/, no node_modules/).
 */
export function exportTrackedTree(dir: string): void {
  // `git stash create` records the working tree as a commit without touching any ref or file.
  const snapshot = execFileSync('git', ['stash', 'create'], { cwd: ROOT }).toString().trim() || 'HEAD';
  const archive = execFileSync('git', ['archive', '--format=tar', snapshot], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
}

/** The environment a user's shell would have: this run's PATH without any node_modules/.bin. */
export function userShellEnv(extra: Record<string, string> = {}): Record<string, string> {
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((entry) => !entry.includes('node_modules'))
    .join(':');
  return { PATH: path, HOME: process.env.HOME ?? '', ...extra };
}
