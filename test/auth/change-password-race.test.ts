import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOGIN, ME, outcome, PASSWORD, REFRESH, signUpUser, useTestApp } from '../helpers/test-app.js';

const app = useTestApp();

const CHANGE = /* GraphQL */ `
  mutation ($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) { accessToken }
  }
`;
const NEW_PASSWORD = 'lantern orbit 42 quietly';
const TRIALS = 30;
const REVOKED = { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' };

describe('a login with the old password racing changePassword', () => {
  it(`never leaves a usable session (${TRIALS} trials, the login started 0 to 45 ms after the change)`, async () => {
    let loggedIn = 0;
    const survivors: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const user = await signUpUser(app);
      const change = app.graphql(CHANGE, { current: PASSWORD, next: NEW_PASSWORD }, { token: user.accessToken });
      // The login verifies the old hash while the change hashes the new one: spread the
      // start over the change's ~two argon2 runs so that some trials land in the window.
      await sleep((trial * 45) / TRIALS);
      const login = await app.graphql(LOGIN, { email: user.user.email, password: PASSWORD });
      expect(outcome(await change)).toBe('OK');
      const session = login.body.data?.login as { accessToken: string; refreshToken: string } | undefined;
      if (session == null) {
        expect(outcome(login)).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
        continue;
      }
      loggedIn++;
      const me = outcome(await app.graphql(ME, {}, { token: session.accessToken }));
      const refresh = outcome(await app.graphql(REFRESH, { refreshToken: session.refreshToken }));
      if (JSON.stringify(me) !== JSON.stringify(REVOKED) || JSON.stringify(refresh) !== JSON.stringify(REVOKED)) {
        survivors.push(`trial ${trial}: me ${JSON.stringify(me)}, refresh ${JSON.stringify(refresh)}`);
      }
    }
    expect(survivors).toEqual([]);
    // Not vacuous: some logins won the race outright (and their sessions were then revoked).
    expect(loggedIn).toBeGreaterThan(0);
  });
});
