import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { exportTrackedTree, userShellEnv } from '../helpers/committed-tree.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { createScratchDatabase } from '../helpers/scratch-database.js';
import { ME, PASSWORD, SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';

const cleanup = useCleanup();
const OPERATIONS = new URL('../../docs/operations.md', import.meta.url);

/** The shell block that follows the `deploy-recipe` marker in docs/operations.md. */
function readRecipe(): string {
  const match = /<!-- deploy-recipe[^>]*-->\n```sh\n([\s\S]*?)\n```/.exec(readFileSync(OPERATIONS, 'utf8'));
  if (match === null) throw new Error('docs/operations.md has no ```sh block after <!-- deploy-recipe … -->');
  return match[1]!;
}

describeWithPostgres('the PostgreSQL deploy recipe of docs/operations.md', () => {
  it('runs as written in a fresh clone: a production install builds, migrates, starts and serves', async () => {
    const recipe = readRecipe();
    expect(recipe).not.toMatch(/\bsudo\b/);
    const lines = recipe.split('\n');
    // The one value that is the reader's own: the test's scratch database.
    const urlLine = lines.findIndex((line) => /^export DATABASE_URL=\S+$/.test(line));
    expect(urlLine).toBeGreaterThanOrEqual(0);
    expect(lines.at(-1)).toMatch(/^npm start\b/);
    const database = await createScratchDatabase(process.env.DATABASE_URL!);
    cleanup.push(() => database.drop());
    lines[urlLine] = `export DATABASE_URL=${database.url}`;

    const clone = await makeTempDir('deploy-recipe');
    cleanup.push(() => removeTempDir(clone));
    exportTrackedTree(clone);

    const shell = spawn('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], {
      cwd: clone,
      // PORT 0: any free port (the recipe leaves PORT to the environment).
      env: userShellEnv({ HOST: '127.0.0.1', PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, and the node it runs, stop with it
    });
    let output = '';
    shell.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
    cleanup.push(async () => {
      if (shell.exitCode === null && shell.signalCode === null) process.kill(-shell.pid!, 'SIGKILL');
    });
    const url = await Promise.race([
      new Promise<string>((resolve) => {
        shell.stdout!.on('data', () => {
          const match = /Gatehouse ready at (http:\/\/[^/"]+)\/graphql/.exec(output);
          if (match) resolve(match[1]!);
        });
      }),
      exited.then((code) => {
        throw new Error(`the recipe exited with ${code} before the server was ready:\n${output}`);
      }),
    ]);

    // A production install: the compiler is there, the test tools are not.
    expect(existsSync(join(clone, 'node_modules/typescript'))).toBe(true);
    expect(existsSync(join(clone, 'node_modules/jest'))).toBe(false);
    expect(output).toContain('Migrations applied (postgres database).');
    expect(output).not.toMatch(/not found|ERR!/);

    const email = uniqueEmail('deploy');
    const signUp = await postGraphQL(url, SIGN_UP, { email, password: PASSWORD });
    expect(signUp.body.errors).toBeUndefined();
    const me = await postGraphQL(url, ME, {}, { token: signUp.body.data!.signUp.accessToken });
    expect(me.body.data!.me.email).toBe(email);
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('ENABLE_PLAYGROUND=true');

    // What a service manager does: SIGTERM to `npm start` (the shell's child), which passes
    // it to the server; a clean stop ends the recipe with 0.
    const npm = Number(execFileSync('ps', ['--ppid', String(shell.pid), '-o', 'pid=']).toString().trim());
    process.kill(npm, 'SIGTERM');
    expect(await exited).toBe(0);
  }, 600_000);
});
