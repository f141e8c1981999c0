import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Once per run: build dist/ (the process tests start the real entry point) and create,
 * with `npm run migrate`'s own entry point, one migrated embedded database that each
 * test app copies: a fresh PGlite directory costs ~5 s to initialise, a copy ~0.5 s.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const templateDir = await mkdtemp(join(tmpdir(), 'gatehouse-template-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: templateDir, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  execFileSync(process.execPath, ['dist/cli/migrate.js'], { env, stdio: 'pipe' });
  process.env.GATEHOUSE_TEST_TEMPLATE_DIR = templateDir;
}
