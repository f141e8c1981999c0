// The build step of `npm start` (and start:cluster, migrate, admin): runs
// `tsc -b tsconfig.build.json` only when something it reads changed since the last build.
//
// `tsc -b` on a current build rewrites nothing, but loading the compiler to find that out
// costs about a second of every restart (more on a busy machine). Comparing modification
// times here costs a few milliseconds. It can only err towards building: an input newer
// than dist/.tsbuildinfo (an edit, a `git pull`, a file added or removed, which changes
// its folder's time) hands the decision to `tsc -b`, which compares contents.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD_INFO = join(ROOT, 'dist/.tsbuildinfo');
// What the build reads besides node_modules: the sources and the settings.
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The latest modification time under `path` (its own included); 0 when it does not exist. */
function latestChange(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, latestChange(join(path, entry)));
  return latest;
}

const built = latestChange(BUILD_INFO);
const changed = INPUTS.some((input) => latestChange(join(ROOT, input)) > built);
if (built === 0 || changed) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  } catch (error) {
    // tsc has printed the errors: exit as it did, without a stack trace of this script.
    process.exit(typeof error.status === 'number' ? error.status : 1);
  }
}
