import { issueAuthPayload, type AuthPayloadRecord } from '../../auth/auth-payload.js';
import { checkCurrentPassword, type PasswordCheckOrigin } from '../../auth/session-management.js';
import type { Viewer } from '../../auth/viewer.js';
import { InputError } from '../../errors.js';
import type { MfaDependencies } from './mfa-dependencies.js';
import { countAttempt, MAX_CODE_LENGTH, refuseCode } from './mfa-proof.js';
import { spendCode } from './verify-mfa.js';

/**
 * Step-up: proves a factor again in this session, which gets a fresh `auth_time` and new
 * tokens (its refresh chain restarts). With MFA on a code is required (the step-up rule
 * asks for aal 2) and the session becomes aal 2; a password given too is checked as well.
 * With MFA off the password is required. Wrong passwords count towards the login limits,
 * wrong codes towards the MFA ones.
 */
export async function reauthenticate(
  deps: MfaDependencies,
  viewer: Viewer,
  input: { password?: string | null; code?: string | null },
  origin: PasswordCheckOrigin,
): Promise<AuthPayloadRecord> {
  const mfaOn = await deps.factors.isEnabled(viewer.userId);
  if (mfaOn && (input.code == null || input.code === '')) {
    throw new InputError('INVALID_INPUT', 'code', 'MFA is on: reauthenticate needs a code.');
  }
  if (!mfaOn && (input.password == null || input.password === '')) {
    throw new InputError('INVALID_INPUT', 'password', 'reauthenticate needs the password.');
  }
  if (input.password != null && input.password !== '') await checkCurrentPassword(deps.core, viewer, input.password, origin);
  if (mfaOn) {
    const code = input.code!;
    const attempt = await countAttempt(deps.throttle, viewer);
    const proved = code.length <= MAX_CODE_LENGTH && (await deps.db.transaction((tx) => spendCode(deps, tx, viewer, code)));
    if (!proved) return refuseCode(deps, viewer.userId, origin);
    await attempt.succeeded();
  }
  const session = await deps.core.sessions.reissue(
    viewer.sessionId,
    mfaOn ? { aal: 2, amr: ['pwd', 'otp'] } : { aal: 1, amr: ['pwd'] },
  );
  return issueAuthPayload(deps.core, viewer.user, session);
}
