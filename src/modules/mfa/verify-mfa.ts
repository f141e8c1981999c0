import { issueAuthPayload, type AuthPayloadRecord } from '../../auth/auth-payload.js';
import type { Viewer } from '../../auth/viewer.js';
import type { MfaDependencies, RequestOrigin } from './mfa-dependencies.js';
import type { Tx } from './mfa-repository.js';
import { countAttempt, MAX_CODE_LENGTH, refuseCode } from './mfa-proof.js';
import { normalizeRecoveryCode } from './recovery-codes.js';
import { matchTotpStep } from './totp.js';

/**
 * Proves the second factor with a TOTP code or a recovery code: the session becomes aal 2
 * with amr ["pwd","otp"] and a fresh auth_time, and gets new tokens (its refresh chain
 * restarts, so a token from before cannot be refreshed into the new assurance). A TOTP
 * code's time step, or a recovery code, is spent in the same transaction that checks it.
 */
export async function verifyMfa(
  deps: MfaDependencies,
  viewer: Viewer,
  code: string,
  origin: RequestOrigin,
): Promise<AuthPayloadRecord> {
  const attempt = await countAttempt(deps.throttle, viewer);
  const proved = code.length <= MAX_CODE_LENGTH && (await deps.db.transaction((tx) => spendCode(deps, tx, viewer, code)));
  if (!proved) return refuseCode(deps, viewer.userId, origin);
  await attempt.succeeded();
  // RFC 8176: a recovery code is a one-time password too.
  const session = await deps.core.sessions.reissue(viewer.sessionId, { aal: 2, amr: ['pwd', 'otp'] });
  return issueAuthPayload(deps.core, viewer.user, session);
}

/**
 * Checks and spends a TOTP or recovery code in `tx`, under the factor row's lock. A
 * recovery code spent is a notice to the user, with how many are left: one used by someone
 * else is how they learn that it leaked.
 */
export async function spendCode(deps: MfaDependencies, tx: Tx, viewer: Viewer, code: string): Promise<boolean> {
  const { userId } = viewer;
  const factor = await deps.factors.lock(tx, userId);
  if (factor?.secret == null) return false;
  const secret = deps.box.open(factor.secret, userId);
  const step = secret === null ? null : matchTotpStep(secret, code.trim());
  if (step !== null) return deps.factors.spendStep(tx, userId, step);
  const recoveryCode = normalizeRecoveryCode(code);
  if (recoveryCode === null || !(await deps.factors.spendRecoveryCode(tx, userId, deps.hashRecoveryCode(recoveryCode)))) return false;
  await deps.notify(tx, viewer, { kind: 'recovery-code-used', remaining: await deps.factors.countRecoveryCodes(tx, userId) });
  return true;
}
