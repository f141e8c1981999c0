import { describe, expect, it } from '@jest/globals';
import { LOGIN, PASSWORD, outcome, signUpUser, useTestApp } from '../helpers/test-app.js';

const DELETE = 'mutation ($password: String!) { deleteAccount(password: $password) }';
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
