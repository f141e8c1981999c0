import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/database.js';
import { createUserRepository } from '../../src/users/user-repository.js';
import { ME, outcome, signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';

// Two servers on one database need a real PostgreSQL (the embedded one is one process's).

/** Polls `app` with the token until it answers 401 SESSION_REVOKED; the delay in ms (at most 1 s, or the test fails). */
async function untilRevokedOn(app: TestApp, token: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await app.graphql(ME, {}, { token });
    if (response.status === 401) {
      expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
      return Date.now() - started;
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describeWithPostgres('revocation across two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl! });
  });
  afterAll(async () => {
    // B first: A's stop drops the database they share (on the PostgreSQL pass).
    await b?.stop();
    await a?.stop();
  });

  it('a logout on A rejects the token on B within 1 s, though B had it cached (25 trials)', async () => {
    const delays: number[] = [];
    for (let trial = 0; trial < 25; trial++) {
      const user = await signUpUser(a);
      expect(outcome(await b.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
      await a.graphql('mutation { logout }', {}, { token: user.accessToken });
      delays.push(await untilRevokedOn(b, user.accessToken));
    }
    delays.sort((x, y) => x - y);
    console.info(`revocation seen by the other instance after: median ${delays[12]} ms, max ${delays[24]} ms`);
    expect(delays[24]).toBeLessThan(1_000);
  });

  it('a deleteAccount on A rejects the token on B within 1 s, though B had it cached (10 trials)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const user = await signUpUser(a);
      expect(outcome(await b.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
      const deleted = await a.graphql('mutation ($p: String!) { deleteAccount(password: $p) }', { p: user.password }, { token: user.accessToken });
      expect(deleted.body).toEqual({ data: { deleteAccount: true } });
      expect(await untilRevokedOn(b, user.accessToken)).toBeLessThan(1_000);
    }
  });

  it('a role change on A applies to the user on B within 1 s, without a new login', async () => {
    const adminUser = await signUpUser(a);
    const user = await signUpUser(a);
    // Promote directly, in the database A and B share.
    const database = await openDatabase({ databaseUrl: a.databaseUrl, dataDir: '' });
    try {
      await createUserRepository(database.db).setRole(adminUser.user.id, 'ADMIN');
    } finally {
      await database.close();
    }
    expect((await b.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role).toBe('USER');
    const setRole = 'mutation ($id: ID!) { setUserRole(userId: $id, role: VIEWER) { role } }';
    expect(outcome(await a.graphql(setRole, { id: user.user.id }, { token: adminUser.accessToken }))).toBe('OK');
    const started = Date.now();
    for (;;) {
      const role = (await b.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role;
      if (role === 'VIEWER') break;
      expect(Date.now() - started).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
});
