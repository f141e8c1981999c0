import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/database.js';
import { adminEnv, asAdmin, logIn, userWithRole } from '../helpers/actors.js';
import { REVOKE_SESSION } from '../helpers/operations.js';
import { sessionIdOf } from '../helpers/token-claims.js';
import { LOGIN, REFRESH, SIGN_UP, outcome, startTestApp, uniqueEmail, useTestApp, withTestApp, type TestApp } from '../helpers/test-app.js';

const EVENT = 'id kind at userId actorId ip userAgent';
const MY_EVENTS = `query ($first: Int, $after: String) {
  mySecurityEvents(first: $first, after: $after) { totalCount edges { cursor node { ${EVENT} } } pageInfo { hasNextPage endCursor } }
}`;
const AUDIT_EVENTS = `query ($userId: ID, $kind: AuditEventKind, $first: Int, $after: String) {
  auditEvents(userId: $userId, kind: $kind, first: $first, after: $after) { totalCount edges { cursor node { ${EVENT} } } pageInfo { hasNextPage endCursor } }
}`;
const SET_DISABLED = 'mutation ($id: ID!, $disabled: Boolean!) { setUserDisabled(userId: $id, disabled: $disabled) { id } }';
const PASSWORD = 'audit trail password';

interface AuditEventNode {
  id: string;
  kind: string;
  at: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
}


/** Every event of the list, following its pages (newest first). */
async function allEvents(app: TestApp, query: string, token: string, variables: Record<string, unknown> = {}): Promise<AuditEventNode[]> {
  const events: AuditEventNode[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await app.graphql(query, { ...variables, first: 100, after }, { token });
    expect(response.body.errors).toBeUndefined();
    const page = (response.body.data!.mySecurityEvents ?? response.body.data!.auditEvents) as {
      edges: Array<{ node: AuditEventNode }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    events.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return events;
    after = page.pageInfo.endCursor;
  }
}

describe('the audit trail', () => {
  const app = useTestApp({ ...adminEnv(), LOGIN_MAX_FAILURES: '3', REFRESH_REUSE_GRACE_SECONDS: '0' });
  let admin: Awaited<ReturnType<typeof asAdmin>>;
  beforeAll(async () => {
    admin = await asAdmin(app);
  });

  /** A client of its own, told apart in the trail by its User-Agent. */
  function client() {
    const userAgent = `audit-test/${randomUUID()}`;
    const headers = { 'user-agent': userAgent };
    return {
      userAgent,
      graphql: (query: string, variables: Record<string, unknown> = {}, token?: string) =>
        app.graphql(query, variables, { headers, ...(token !== undefined && { token }) }),
    };
  }

  async function signUp(c: ReturnType<typeof client>, email = uniqueEmail('audit')) {
    const response = await c.graphql(SIGN_UP, { email, password: PASSWORD });
    const payload = response.body.data?.signUp as { accessToken: string; refreshToken: string; user: { id: string } } | undefined;
    if (payload == null) throw new Error(`signUp failed: ${JSON.stringify(response.body)}`);
    return { email, ...payload };
  }

  it("records the user's own actions, each with the client's address and User-Agent, newest first, and never a secret", async () => {
    const c = client();
    const user = await signUp(c);
    const login = (await c.graphql(LOGIN, { email: user.email, password: PASSWORD })).body.data!.login as { accessToken: string; refreshToken: string };
    expect(outcome(await c.graphql(LOGIN, { email: user.email, password: 'a wrong password' }))).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    expect(outcome(await c.graphql(REVOKE_SESSION, { id: sessionIdOf(login.accessToken) }, user.accessToken))).toBe('OK');
    const changed = await c.graphql(
      'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }',
      { c: PASSWORD, n: 'another audit password' },
      user.accessToken,
    );
    const afterChange = changed.body.data!.changePassword.accessToken as string;
    expect(outcome(await c.graphql('mutation { logout }', {}, afterChange))).toBe('OK');
    const again = (await c.graphql(LOGIN, { email: user.email, password: 'another audit password' })).body.data!.login as { accessToken: string };

    const events = await allEvents(app, MY_EVENTS, again.accessToken);
    expect(events.map((event) => event.kind)).toEqual([
      'LOGIN_SUCCEEDED',
      'LOGGED_OUT',
      'PASSWORD_CHANGED',
      'SESSION_REVOKED',
      'LOGIN_FAILED',
      'LOGIN_SUCCEEDED',
      'SIGNED_UP',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ userId: user.user.id, actorId: null, ip: '127.0.0.1', userAgent: c.userAgent });
    }
    const text = JSON.stringify(events);
    for (const secret of [PASSWORD, 'another audit password', 'a wrong password', user.accessToken, user.refreshToken, login.refreshToken]) {
      expect(text).not.toContain(secret);
    }
  });

  it('records a failed login for an unknown email with no user, and a rate-limited one', async () => {
    const c = client();
    const unknown = uniqueEmail('nobody');
    expect(outcome(await c.graphql(LOGIN, { email: unknown, password: 'whatever password' }))).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    const failed = await allEvents(app, AUDIT_EVENTS, admin.accessToken, { kind: 'LOGIN_FAILED' });
    expect(failed.filter((event) => event.userAgent === c.userAgent)).toEqual([
      expect.objectContaining({ kind: 'LOGIN_FAILED', userId: null, ip: '127.0.0.1' }),
    ]);

    const user = await signUp(client());
    for (let attempt = 0; attempt < 3; attempt++) await c.graphql(LOGIN, { email: user.email, password: 'a wrong password' });
    expect(outcome(await c.graphql(LOGIN, { email: user.email, password: PASSWORD }))).toMatchObject({ code: 'RATE_LIMITED' });
    const limited = await allEvents(app, AUDIT_EVENTS, admin.accessToken, { userId: user.user.id, kind: 'LOGIN_RATE_LIMITED' });
    expect(limited).toEqual([expect.objectContaining({ userId: user.user.id, ip: '127.0.0.1', userAgent: c.userAgent })]);
  });

  it('records a refresh token reused after the grace (the session revoked as stolen)', async () => {
    const c = client();
    const user = await signUp(c);
    expect(outcome(await c.graphql(REFRESH, { refreshToken: user.refreshToken }))).toBe('OK');
    expect(outcome(await c.graphql(REFRESH, { refreshToken: user.refreshToken }))).toMatchObject({ reason: 'REFRESH_TOKEN_REUSED' });
    const events = await allEvents(app, AUDIT_EVENTS, admin.accessToken, { userId: user.user.id, kind: 'REFRESH_TOKEN_REUSED' });
    expect(events).toEqual([expect.objectContaining({ userId: user.user.id, ip: '127.0.0.1', userAgent: c.userAgent })]);
  });

  it("records an admin's actions on the user's account with the admin as actor, visible to the user", async () => {
    const c = client();
    const user = await signUp(client());
    const token = admin.accessToken;
    expect(outcome(await c.graphql('mutation ($id: ID!) { setUserRole(userId: $id, role: VIEWER) { id } }', { id: user.user.id }, token))).toBe('OK');
    expect(outcome(await c.graphql('mutation ($id: ID!) { revokeUserSessions(userId: $id) }', { id: user.user.id }, token))).toBe('OK');
    expect(outcome(await c.graphql(SET_DISABLED, { id: user.user.id, disabled: true }, token))).toBe('OK');
    expect(outcome(await c.graphql(SET_DISABLED, { id: user.user.id, disabled: false }, token))).toBe('OK');

    const byAdmin = (await allEvents(app, AUDIT_EVENTS, token, { userId: user.user.id })).filter((event) => event.userAgent === c.userAgent);
    expect(byAdmin.map((event) => event.kind)).toEqual(['USER_ENABLED', 'USER_DISABLED', 'SESSION_REVOKED', 'ROLE_CHANGED']);
    for (const event of byAdmin) expect(event).toMatchObject({ userId: user.user.id, actorId: admin.user.id, ip: '127.0.0.1' });

    const own = await allEvents(app, MY_EVENTS, (await logIn(app, user.email, PASSWORD)).accessToken);
    expect(own.map((event) => event.kind)).toEqual(['LOGIN_SUCCEEDED', 'USER_ENABLED', 'USER_DISABLED', 'SESSION_REVOKED', 'ROLE_CHANGED', 'SIGNED_UP']);
  });

  it("keeps a deleted account's events, with its id, for admins", async () => {
    const c = client();
    const user = await signUp(c);
    expect(outcome(await c.graphql('mutation ($p: String!) { deleteAccount(password: $p) }', { p: PASSWORD }, user.accessToken))).toBe('OK');
    const events = await allEvents(app, AUDIT_EVENTS, admin.accessToken, { userId: user.user.id });
    expect(events.map((event) => event.kind)).toEqual(['ACCOUNT_DELETED', 'SIGNED_UP']);
    expect(events[0]).toMatchObject({ userId: user.user.id, ip: '127.0.0.1', userAgent: c.userAgent });
  });

  it('shows each user only their own events in mySecurityEvents', async () => {
    const a = await signUp(client());
    const b = await signUp(client());
    await logIn(app, b.email, PASSWORD);
    const seenByA = await allEvents(app, MY_EVENTS, a.accessToken);
    expect(seenByA.map((event) => event.kind)).toEqual(['SIGNED_UP']);
    expect(seenByA.every((event) => event.userId === a.user.id)).toBe(true);
  });

  it('pages newest first with cursors of its own list: a cursor of another list is BAD_USER_INPUT', async () => {
    const user = await signUp(client());
    for (let i = 0; i < 3; i++) await logIn(app, user.email, PASSWORD);
    const first = await app.graphql(MY_EVENTS, { first: 2 }, { token: user.accessToken });
    const page = first.body.data!.mySecurityEvents;
    expect(page.totalCount).toBe(4);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = await app.graphql(MY_EVENTS, { first: 2, after: page.pageInfo.endCursor }, { token: user.accessToken });
    const kinds = [...page.edges, ...rest.body.data!.mySecurityEvents.edges].map((edge: { node: AuditEventNode }) => edge.node.kind);
    expect(kinds).toEqual(['LOGIN_SUCCEEDED', 'LOGIN_SUCCEEDED', 'LOGIN_SUCCEEDED', 'SIGNED_UP']);
    const usersCursor = (await app.graphql('{ users(first: 1) { pageInfo { endCursor } } }', {}, { token: admin.accessToken })).body.data!.users.pageInfo.endCursor;
    expect(outcome(await app.graphql(MY_EVENTS, { after: usersCursor }, { token: user.accessToken }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(outcome(await app.graphql(MY_EVENTS, { first: -1 }, { token: user.accessToken }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('gives auditEvents to admins only: FORBIDDEN for a USER and a VIEWER, TOKEN_MISSING anonymous; mySecurityEvents needs a token', async () => {
    for (const role of ['USER', 'VIEWER'] as const) {
      const caller = await userWithRole(app, role, admin.accessToken);
      const response = await app.graphql(AUDIT_EVENTS, {}, { token: caller.accessToken });
      expect(response.body.data).toBeNull();
      expect(outcome(response)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(outcome(await app.graphql(AUDIT_EVENTS, {}))).toMatchObject({ reason: 'TOKEN_MISSING' });
    expect(outcome(await app.graphql(MY_EVENTS, {}))).toMatchObject({ reason: 'TOKEN_MISSING' });
  });

  it('answers an empty page for a userId that is not a user id', async () => {
    const response = await app.graphql(AUDIT_EVENTS, { userId: 'not-a-uuid' }, { token: admin.accessToken });
    expect(response.body.data!.auditEvents).toMatchObject({ totalCount: 0, edges: [] });
  });
});

describe('an audit event and the change it records commit together', () => {
  it('a refused setUserDisabled (the last enabled admin) leaves no USER_DISABLED event; an accepted one does', async () => {
    await withTestApp(adminEnv(uniqueEmail('solo')), async (solo) => {
      const root = await asAdmin(solo);
      const disabledEvents = async (token: string) =>
        (await solo.graphql(AUDIT_EVENTS, { userId: root.user.id, kind: 'USER_DISABLED' }, { token })).body.data!.auditEvents.totalCount;
      expect(outcome(await solo.graphql(SET_DISABLED, { id: root.user.id, disabled: true }, { token: root.accessToken }))).toMatchObject({
        reason: 'LAST_ADMIN',
      });
      expect(await disabledEvents(root.accessToken)).toBe(0);

      const second = await userWithRole(solo, 'ADMIN', root.accessToken);
      expect(outcome(await solo.graphql(SET_DISABLED, { id: root.user.id, disabled: true }, { token: second.accessToken }))).toBe('OK');
      expect(await disabledEvents(second.accessToken)).toBe(1);
    });
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('prunes events older than the retention at start (and hourly), and keeps the newer ones', async () => {
    const env = { ...adminEnv(uniqueEmail('prune')), AUDIT_RETENTION_DAYS: '30' };
    let app = await startTestApp(env);
    try {
      const email = uniqueEmail('old');
      const user = (await app.graphql(SIGN_UP, { email, password: PASSWORD })).body.data!.signUp as { user: { id: string } };
      await logIn(app, email, PASSWORD);
      const { dataDir, databaseUrl, jwtSecret } = app;
      await app.stop({ keepDataDir: true });

      // Age the sign-up past the retention, the login to just within it.
      const database = await openDatabase({ databaseUrl, dataDir });
      try {
        await database.db.execute(sql`update audit_events set at = now() - interval '31 days' where user_id = ${user.user.id} and kind = 'SIGNED_UP'`);
        await database.db.execute(sql`update audit_events set at = now() - interval '29 days' where user_id = ${user.user.id} and kind = 'LOGIN_SUCCEEDED'`);
      } finally {
        await database.close();
      }

      app = await startTestApp({ ...env, DATA_DIR: dataDir, JWT_SECRET: jwtSecret });
      const admin = await asAdmin(app);
      const kinds = async () => (await allEvents(app, AUDIT_EVENTS, admin.accessToken, { userId: user.user.id })).map((event) => event.kind);
      // The prune at start runs beside the first requests: wait for it, boundedly.
      const started = Date.now();
      while ((await kinds()).includes('SIGNED_UP') && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await kinds()).toEqual(['LOGIN_SUCCEEDED']);
    } finally {
      await app.stop();
    }
  });
});
