import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { LOGIN, PASSWORD, REFRESH, SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';

const cleanup = useCleanup();

async function start(dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: 'c'.repeat(40) });
  cleanup.push(() => server.stop('SIGKILL'));
  return server;
}

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { accessToken }
  }
`;

describe('crash safety of the embedded database', () => {
  it('keeps every acknowledged write through kill -9 and a restart', async () => {
    const dataDir = await makeTempDir('crash', { migrated: true });
    cleanup.push(() => removeTempDir(dataDir));
    const first = await start(dataDir);

    // 30 sign-ups at once, all acknowledged.
    const emails = Array.from({ length: 30 }, () => uniqueEmail('crash'));
    const signUps = await Promise.all(emails.map((email) => postGraphQL(first.url, SIGN_UP, { email, password: PASSWORD })));
    expect(signUps.filter((response) => response.body.errors !== undefined)).toEqual([]);

    // A rotated refresh token and a changed password, acknowledged.
    const [rotating, changing] = signUps.map((response) => response.body.data!.signUp as { accessToken: string; refreshToken: string });
    const rotated = await postGraphQL(first.url, REFRESH, { refreshToken: rotating!.refreshToken });
    const newRefreshToken = (rotated.body.data!.refreshToken as { refreshToken: string }).refreshToken;
    const newPassword = 'a brand new password';
    const changed = await postGraphQL(first.url, CHANGE_PASSWORD, { currentPassword: PASSWORD, newPassword }, { token: changing!.accessToken });
    expect(changed.body.errors).toBeUndefined();

    // More writes in flight, then kill -9 at once: they may or may not survive.
    const unacknowledged = Array.from({ length: 10 }, () =>
      postGraphQL(first.url, SIGN_UP, { email: uniqueEmail('lost'), password: PASSWORD }).catch(() => undefined),
    );
    const lastAcknowledged = await postGraphQL(first.url, SIGN_UP, { email: uniqueEmail('last'), password: PASSWORD });
    expect(lastAcknowledged.body.errors).toBeUndefined();
    first.child.kill('SIGKILL');
    await Promise.all(unacknowledged);

    const second = await start(dataDir);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    const lastEmail = (lastAcknowledged.body.data!.signUp as { user: { email: string } }).user.email;
    const logins = await Promise.all(
      [...emails, lastEmail].map((email, index) =>
        postGraphQL(second.url, LOGIN, { email, password: index === 1 ? newPassword : PASSWORD }),
      ),
    );
    expect(logins.filter((response) => response.body.errors !== undefined).map((r) => r.body.errors)).toEqual([]);
    const refreshed = await postGraphQL(second.url, REFRESH, { refreshToken: newRefreshToken });
    expect(refreshed.body.errors).toBeUndefined();
  });
});
