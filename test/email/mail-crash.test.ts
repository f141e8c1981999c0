import { describe, expect, it } from '@jest/globals';
import { useCleanup } from '../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { PASSWORD, SIGN_UP, postGraphQL, uniqueEmail } from '../helpers/test-app.js';
import { CHANGE_PASSWORD } from '../helpers/email-operations.js';
import { startSmtpListener } from '../helpers/smtp-listener.js';

const cleanup = useCleanup();

describe('the outbox through kill -9', () => {
  it('delivers, exactly once, the notice of a change acknowledged before the crash, after a restart', async () => {
    const smtp = await startSmtpListener();
    cleanup.push(() => smtp.stop());
    const dataDir = await makeTempDir('mail-crash', { migrated: true });
    cleanup.push(() => removeTempDir(dataDir));
    const start = async (): Promise<ServerProcess> => {
      const server = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: 'm'.repeat(40), SMTP_URL: smtp.url }, 60_000);
      cleanup.push(() => server.stop('SIGKILL'));
      return server;
    };

    const first = await start();
    const email = uniqueEmail('crash-mail');
    const signUp = await postGraphQL(first.url, SIGN_UP, { email, password: PASSWORD });
    const { accessToken } = signUp.body.data!.signUp as { accessToken: string };

    // The SMTP server refuses: the mail is committed with the change and waits for a retry.
    smtp.setMode('refuse');
    const changed = await postGraphQL(first.url, CHANGE_PASSWORD, { currentPassword: PASSWORD, newPassword: 'a brand new password' }, { token: accessToken });
    expect(changed.body.errors).toBeUndefined();
    const deadline = Date.now() + 10_000;
    while (smtp.refused === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(smtp.refused).toBeGreaterThan(0);
    // Long enough for the refusal to be recorded (the row back to pending, retry in 5 s), so
    // the restart need not wait out the 2-minute lease of a mail caught mid-send.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await first.stop('SIGKILL')).toBeNull();

    smtp.setMode('accept');
    await start();
    await smtp.waitFor((mail) => mail.to.includes(email) && mail.subject === 'Your password was changed', 30_000);
    // Several polling rounds later, still one.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(smtp.mails.filter((mail) => mail.to.includes(email))).toHaveLength(1);
  });
});
