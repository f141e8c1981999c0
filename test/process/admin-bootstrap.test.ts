import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { runToExit, startServerProcess } from '../helpers/server-process.js';
import { SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';

const cleanup = useCleanup();

describe('ADMIN_EMAIL at start (node dist/main.js)', () => {
  it('refuses to start with one line naming ADMIN_EMAIL, exit 1, when ADMIN_PASSWORD is not the password of the account already there', async () => {
    const dataDir = await makeTempDir('process', { migrated: true });
    cleanup.push(() => removeTempDir(dataDir));
    const email = uniqueEmail('root');
    const first = await startServerProcess({ DATA_DIR: dataDir });
    cleanup.push(() => first.stop('SIGKILL'));
    const signUp = await postGraphQL(first.url, SIGN_UP, { email, password: 'the squatter password' });
    expect(signUp.body.errors).toBeUndefined();
    expect(await first.stop('SIGTERM')).toBe(0);

    const { code, output } = await runToExit({ DATA_DIR: dataDir, ADMIN_EMAIL: email, ADMIN_PASSWORD: 'the operator password' });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^Gatehouse failed to start: ADMIN_EMAIL: /)]);
  });
});
