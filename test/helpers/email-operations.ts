import { createScratchDatabase } from './scratch-database.js';
import { createEmailModule, type EmailModuleOptions } from '../../src/modules/email/email-module.js';
import { modules } from '../../src/modules/registry.js';

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
 * On PostgreSQL, a scratch database for tests whose servers deliver mail: every instance on
 * one database shares its outbox, so a server of another test file (another SMTP listener,
 * or none) would otherwise claim this test's mail. Nothing to do on the embedded database.
 */
export async function ownMailDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const baseUrl = process.env.DATABASE_URL;
  if (baseUrl === undefined) return { env: {}, drop: async () => {} };
  const scratch = await createScratchDatabase(baseUrl);
  return { env: { DATABASE_URL: scratch.url }, drop: scratch.drop };
}
