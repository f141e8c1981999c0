import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ME, outcome, signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { modulesWithEmail, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../helpers/email-operations.js';
import { startSmtpListener, tokenIn, type SmtpListener } from '../helpers/smtp-listener.js';

// Two servers on one outbox need a real PostgreSQL (the embedded one is one process's).
describeWithPostgres('mail with two instances on one PostgreSQL', () => {
  let smtp: SmtpListener;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpListener();
    // Both poll every 20 ms, so both reach for every mail; B on A's database.
    const modules = modulesWithEmail({ sender: { pollIntervalMs: 20 } });
    a = await startTestApp({ SMTP_URL: smtp.url }, { modules });
    b = await startTestApp({ SMTP_URL: smtp.url, JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl! }, { modules });
  });
  afterAll(async () => {
    // B first: A's stop drops the database they share.
    await b?.stop();
    await a?.stop();
    await smtp?.stop();
  });

  it('sends each mail once though both instances claim from the outbox (40 mails)', async () => {
    const users = [];
    for (let i = 0; i < 20; i += 1) users.push(await signUpUser(a), await signUpUser(b));
    await Promise.all(users.map((user, i) => (i % 2 === 0 ? a : b).graphql(REQUEST_PASSWORD_RESET, { email: user.email })));
    for (const user of users) await smtp.waitFor((mail) => mail.to.includes(user.email));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const user of users) expect(smtp.mails.filter((mail) => mail.to.includes(user.email))).toHaveLength(1);
  });

  it('a reset on A ends the session on B within 1 s, though B had it cached', async () => {
    const user = await signUpUser(a);
    expect(outcome(await b.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
    await a.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
    const mail = await smtp.waitFor((m) => m.to.includes(user.email));
    expect((await a.graphql(RESET_PASSWORD, { token: tokenIn(mail, 'reset-password'), newPassword: 'a new passphrase' })).body.errors).toBeUndefined();
    const started = Date.now();
    for (;;) {
      const response = await b.graphql(ME, {}, { token: user.accessToken });
      if (response.status === 401) {
        expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
        break;
      }
      expect(Date.now() - started).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
});
