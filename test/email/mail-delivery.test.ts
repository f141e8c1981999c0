import { describe, expect, it } from '@jest/globals';
import { ME, signUpUser } from '../helpers/test-app.js';
import { REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, useMailingApp } from '../helpers/email-operations.js';

const waitUntil = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Retries 100, 200, 200… ms apart; a hanging server fails an attempt after 500 ms; 4 attempts.
const { app, smtp } = useMailingApp(
  {},
  { smtpTimeoutMs: 500, sender: { retryDelayMs: 100, maxRetryDelayMs: 200, pollIntervalMs: 50, maxAttempts: 4 } },
);

const mailsTo = (email: string) => smtp.mails.filter((mail) => mail.to.includes(email));

describe('the mail sender', () => {
  it('retries while the SMTP server refuses (451), delivers once it accepts, and answers requests meanwhile', async () => {
    const user = await signUpUser(app);
    smtp.setMode('refuse');
    const refusedBefore = smtp.refused;
    try {
      await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
      await waitUntil(() => smtp.refused >= refusedBefore + 2);
      // Requests do not wait for mail.
      expect((await app.graphql(ME, {}, { token: user.accessToken })).body.data?.me).toMatchObject({ id: user.user.id });
      expect(mailsTo(user.email)).toEqual([]);
    } finally {
      smtp.setMode('accept');
    }
    await smtp.waitFor((mail) => mail.to.includes(user.email));
    await sleep(500); // several polling rounds: a second copy would have arrived
    expect(mailsTo(user.email)).toHaveLength(1);
  });

  it('gives up on a hanging server after its timeout, retries, and delivers once it answers', async () => {
    const user = await signUpUser(app);
    smtp.setMode('hang');
    const before = smtp.refused;
    try {
      await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
      await waitUntil(() => smtp.refused >= before + 2);
    } finally {
      smtp.setMode('accept');
    }
    await smtp.waitFor((mail) => mail.to.includes(user.email));
    await sleep(500);
    expect(mailsTo(user.email)).toHaveLength(1);
  });

  it('stops after 4 attempts at a mail that keeps failing, while other mail still flows', async () => {
    const user = await signUpUser(app);
    smtp.setMode('refuse');
    const before = smtp.refused;
    try {
      await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
      await waitUntil(() => smtp.refused >= before + 4);
      await sleep(1_000); // five times the longest retry delay: a fifth attempt would have come
      expect(smtp.refused).toBe(before + 4);
    } finally {
      smtp.setMode('accept');
    }
    const other = await signUpUser(app);
    await app.graphql(REQUEST_PASSWORD_RESET, { email: other.email });
    await smtp.waitFor((mail) => mail.to.includes(other.email));
    expect(mailsTo(user.email)).toEqual([]);
  });

  it('reports the delay from the answer of the mutation to the SMTP listener (20 of each kind)', async () => {
    const summary = (delays: number[]) => {
      delays.sort((x, y) => x - y);
      return `median ${delays[Math.floor(delays.length / 2)]} ms, max ${delays[delays.length - 1]} ms`;
    };
    const verification: number[] = [];
    const reset: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const user = await signUpUser(app);
      let sent = Date.now();
      await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken });
      verification.push((await smtp.waitFor((mail) => mail.to.includes(user.email))).receivedAt - sent);
      sent = Date.now();
      await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
      reset.push((await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === 'Reset your password')).receivedAt - sent);
    }
    console.info(`delivery to the SMTP listener: requestEmailVerification ${summary(verification)}; requestPasswordReset (started 100 ms after the answer) ${summary(reset)}`);
    expect(verification).toHaveLength(20);
  });
});
