import { afterAll, beforeAll } from '@jest/globals';
import { createEmailModule, type EmailModuleOptions } from '../../src/modules/email/email-module.js';
import { modules } from '../../src/modules/registry.js';
import { startSmtpListener, type SmtpListener } from './smtp-listener.js';
import { forwardTo, startTestApp, type TestApp } from './test-app.js';

/** The registry's modules with the email module built with `options` (faster retries, shorter links). */
export function modulesWithEmail(options: EmailModuleOptions) {
  return modules.map((module) => (module.name === 'email' ? createEmailModule(options) : module));
}

export const REQUEST_PASSWORD_RESET = /* GraphQL */ `
  mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }
`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) { accessToken refreshToken user { id email emailVerified } }
  }
`;

export const REQUEST_EMAIL_VERIFICATION = /* GraphQL */ `
  mutation RequestEmailVerification { requestEmailVerification }
`;

export const VERIFY_EMAIL = /* GraphQL */ `
  mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { id email emailVerified } }
`;

export const CHANGE_EMAIL = /* GraphQL */ `
  mutation ChangeEmail($newEmail: String!, $currentPassword: String!) {
    changeEmail(newEmail: $newEmail, currentPassword: $currentPassword)
  }
`;

export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { accessToken }
  }
`;

/**
 * A server that delivers mail to an SMTP listener of its own, started before the tests of
 * the enclosing describe (or file) and stopped after them; `env` adds to SMTP_URL. Use
 * `app` and `smtp` in tests and hooks. On PostgreSQL the app has a database of its own
 * (startTestApp's), so no other file's server claims its outbox.
 */
export function useMailingApp(env: Record<string, string>, email: EmailModuleOptions): { app: TestApp; smtp: SmtpListener } {
  let app: TestApp | undefined;
  let smtp: SmtpListener | undefined;
  beforeAll(async () => {
    smtp = await startSmtpListener();
    app = await startTestApp({ ...env, SMTP_URL: smtp.url }, { modules: modulesWithEmail(email) });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });
  return { app: forwardTo(() => app, 'useMailingApp: the app'), smtp: forwardTo(() => smtp, 'useMailingApp: the SMTP listener') };
}
