import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseFor, dropDatabaseFor } from '../helpers/app-database.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { LOGIN, ME, outcome, signUpUser, startTestApp, uniqueEmail } from '../helpers/test-app.js';

const CLI = fileURLToPath(new URL('../../dist/cli/admin.js', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await makeTempDir('cli', { migrated: true });
});
afterAll(async () => {
  await dropDatabaseFor(dataDir);
  await removeTempDir(dataDir);
});

async function admin(args: string[], stdin = ''): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  // The server below runs on this DATA_DIR's database: on PostgreSQL, the one startTestApp gives it.
  const databaseUrl = await databaseFor(dataDir);
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output: output.trim() };
}

const serve = () => startTestApp({ DATA_DIR: dataDir, JWT_SECRET: 'cli-test-secret-cli-test-secret-123' });

describe('npm run admin', () => {
  it('prints help with --help', async () => {
    const { code, output } = await admin(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('create-user --email <email> --password-stdin');
  });

  it.each([
    [['frob'], 'Unknown command "frob". See --help.'],
    [['set-role', '--role', 'ADMIN'], '--email is required.'],
    [['set-role', '--email', 'a@b.co', '--role', 'GOD'], '--role must be one of VIEWER, USER, ADMIN.'],
    [['create-user', '--email', 'a@b.co'], 'create-user needs --password-stdin.'],
    [['set-role', '--email', 'nobody@example.com', '--role', 'USER'], 'No user has the email nobody@example.com.'],
  ])('refuses %j with exit 1 and one clear line', async (args, message) => {
    expect(await admin(args)).toEqual({ code: 1, output: message });
  });

  it('creates a user, sets its role and revokes its sessions', async () => {
    const email = uniqueEmail('cli');
    expect(await admin(['create-user', '--email', email, '--password-stdin', '--role', 'ADMIN'], 'cli password 1\n')).toMatchObject({
      code: 0,
      output: expect.stringContaining(`Created ${email} (ADMIN)`),
    });
    expect((await admin(['create-user', '--email', email, '--password-stdin'], 'cli password 1')).output).toBe(
      `${email} is already registered.`,
    );
    expect((await admin(['create-user', '--email', uniqueEmail(), '--password-stdin'], 'short')).output).toBe(
      'The password must be at least 8 characters long.',
    );

    let app = await serve();
    const login = (await app.graphql(LOGIN, { email, password: 'cli password 1' })).body.data!.login;
    expect(login.user.role).toBe('ADMIN');
    const other = await signUpUser(app);
    await app.stop({ keepDataDir: true });

    expect(await admin(['set-role', '--email', other.email, '--role', 'VIEWER'])).toEqual({ code: 0, output: `${other.email} is now VIEWER.` });
    expect(await admin(['revoke-sessions', '--email', email])).toEqual({ code: 0, output: `Revoked 1 session(s) of ${email}.` });

    app = await serve();
    try {
      expect((await app.graphql(ME, {}, { token: other.accessToken })).body.data!.me.role).toBe('VIEWER');
      expect(outcome(await app.graphql(ME, {}, { token: login.accessToken }))).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    } finally {
      await app.stop({ keepDataDir: true });
    }
  });
});
