import { Secret, TOTP } from 'otpauth';
import { signUpUser, type GraphQLTarget } from './test-app.js';

export const START_MFA_ENROLLMENT = 'mutation { startMfaEnrollment { secret otpauthUrl qrCodeSvg } }';
export const CONFIRM_MFA_ENROLLMENT = 'mutation ($code: String!) { confirmMfaEnrollment(code: $code) }';
export const VERIFY_MFA = 'mutation ($code: String!) { verifyMfa(code: $code) { accessToken refreshToken mfaRequired user { id email mfaEnabled } } }';

/** The TOTP code an authenticator app holding `secret` shows `steps` steps from `at` (ms). */
export function totpCode(secret: string, at: number, steps = 0): string {
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  return totp.generate({ timestamp: at + steps * 30_000 });
}

/** A code that differs from `code` (so it is wrong unless a neighbouring step happens to match, one chance in a million). */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/**
 * Signs up a user and turns MFA on with a code computed at `at`: that step is spent, so
 * the next TOTP the account accepts is `totpCode(secret, at, 1)`.
 */
export async function signUpWithMfa(app: GraphQLTarget) {
  const user = await signUpUser(app);
  const started = await app.graphql(START_MFA_ENROLLMENT, {}, { token: user.accessToken });
  const secret = (started.body.data?.startMfaEnrollment as { secret: string } | undefined)?.secret;
  if (secret === undefined) throw new Error(`startMfaEnrollment failed: ${JSON.stringify(started.body)}`);
  const at = Date.now();
  const confirmed = await app.graphql(CONFIRM_MFA_ENROLLMENT, { code: totpCode(secret, at) }, { token: user.accessToken });
  const recoveryCodes = confirmed.body.data?.confirmMfaEnrollment as string[] | undefined;
  if (recoveryCodes === undefined) throw new Error(`confirmMfaEnrollment failed: ${JSON.stringify(confirmed.body)}`);
  return { ...user, secret, at, recoveryCodes };
}
