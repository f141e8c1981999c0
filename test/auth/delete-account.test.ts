import { describe, expect, it } from '@jest/globals';
import { adminEnv, ADMIN_PASSWORD, asAdmin, setRole, userWithRole } from '../helpers/actors.js';
import { LOGIN, ME, PASSWORD, outcome, signUpUser, uniqueEmail, useTestApp, withTestApp } from '../helpers/test-app.js';

const DELETE = 'mutation ($password: String!) { deleteAccount(password: $password) }';
const LAST_ADMIN = { code: 'BAD_USER_INPUT', field: 'password', reason: 'LAST_ADMIN' };


describe('deleteAccount and the last admin', () => {
  it('refuses the last admin with BAD_USER_INPUT LAST_ADMIN, and the account still works', async () => {
    await withTestApp(adminEnv(uniqueEmail('solo')), async (solo) => {
      const admin = await asAdmin(solo);
      expect(outcome(await solo.graphql(DELETE, { password: ADMIN_PASSWORD }, { token: admin.accessToken }))).toEqual(LAST_ADMIN);
      // The session it asked from is not ended, and the password still logs in.
      expect((await solo.graphql(ME, {}, { token: admin.accessToken })).body.data).toEqual({
        me: expect.objectContaining({ id: admin.user.id, role: 'ADMIN' }),
      });
      expect(outcome(await solo.graphql(LOGIN, { email: admin.user.email, password: ADMIN_PASSWORD }))).toBe('OK');
    });
  });

  it('checks the password first: a wrong one is INVALID_CREDENTIALS, not LAST_ADMIN', async () => {
    await withTestApp(adminEnv(uniqueEmail('solo')), async (solo) => {
      const admin = await asAdmin(solo);
      expect(outcome(await solo.graphql(DELETE, { password: 'not the password' }, { token: admin.accessToken }))).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'INVALID_CREDENTIALS',
      });
    });
  });

  it('lets one of two admins delete itself; the other is then the last', async () => {
    await withTestApp(adminEnv(uniqueEmail('pair')), async (pair) => {
      const first = await asAdmin(pair);
      const second = await userWithRole(pair, 'ADMIN', first.accessToken);
      expect((await pair.graphql(DELETE, { password: PASSWORD }, { token: second.accessToken })).body).toEqual({
        data: { deleteAccount: true },
      });
      expect(outcome(await pair.graphql(LOGIN, { email: second.email, password: PASSWORD }))).toMatchObject({
        reason: 'INVALID_CREDENTIALS',
      });
      expect(outcome(await pair.graphql(DELETE, { password: ADMIN_PASSWORD }, { token: first.accessToken }))).toEqual(LAST_ADMIN);
    });
  });

  it('lets exactly one of the last two admins deleting themselves at once succeed (5 rounds)', async () => {
    await withTestApp(adminEnv(uniqueEmail('duel')), async (duel) => {
      const root = await asAdmin(duel);
      for (let round = 0; round < 5; round++) {
        const b = await userWithRole(duel, 'ADMIN', root.accessToken);
        const c = await userWithRole(duel, 'ADMIN', root.accessToken);
        await setRole(duel, root.accessToken, root.user.id, 'USER'); // b and c are the only admins
        const outcomes = (
          await Promise.all([b, c].map((admin) => duel.graphql(DELETE, { password: PASSWORD }, { token: admin.accessToken })))
        ).map((response) => outcome(response));
        expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
        expect(outcomes.filter((o) => o !== 'OK')).toEqual([LAST_ADMIN]);
        const survivor = outcomes[0] === 'OK' ? c : b;
        expect((await duel.graphql(ME, {}, { token: survivor.accessToken })).body.data?.me?.role).toBe('ADMIN');
        // Back to root as the only admin for the next round.
        await setRole(duel, survivor.accessToken, root.user.id, 'ADMIN');
        expect(outcome(await duel.graphql(DELETE, { password: PASSWORD }, { token: survivor.accessToken }))).toBe('OK');
      }
    });
  });
});

describe('logins racing deleteAccount', () => {
  const app = useTestApp();
  const ROUNDS = 20;

  it(`never answer INTERNAL_SERVER_ERROR (${ROUNDS} rounds): a login for an account deleted meanwhile is INVALID_CREDENTIALS`, async () => {
    const answers: Array<Record<string, unknown> | 'OK'> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await signUpUser(app);
      const [, ...logins] = await Promise.all([
        app.graphql(DELETE, { password: PASSWORD }, { token: user.accessToken }),
        ...Array.from({ length: 4 }, () => app.graphql(LOGIN, { email: user.email, password: PASSWORD })),
      ]);
      answers.push(...logins.map((response) => outcome(response)));
    }
    expect(answers.filter((answer) => answer !== 'OK' && answer.code === 'INTERNAL_SERVER_ERROR')).toEqual([]);
    for (const answer of answers) {
      expect([
        'OK',
        { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' },
      ]).toContainEqual(answer);
    }
    expect(answers).toHaveLength(ROUNDS * 4);
  });
});
