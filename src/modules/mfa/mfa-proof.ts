import type { Viewer } from '../../auth/viewer.js';
import { AuthenticationError, ForbiddenError } from '../../errors.js';
import type { MfaDependencies, RequestOrigin } from './mfa-dependencies.js';
import type { MfaThrottle } from './mfa-throttle.js';

/**
 * With MFA on, changing it needs a session that proved it (aal 2): a session from before
 * MFA was turned on, or one stolen with the password alone, cannot swap or remove it.
 * Such a session calls verifyMfa first.
 */
export async function checkFactorProved(deps: MfaDependencies, viewer: Viewer): Promise<void> {
  if (viewer.aal !== 2 && (await deps.factors.isEnabled(viewer.userId))) {
    throw new ForbiddenError('With MFA on, this needs a session that proved the second factor: call verifyMfa first.');
  }
}

/** Records the failure (MFA_FAILED, on its own: nothing else is written) and refuses the code. */
export async function refuseCode(deps: MfaDependencies, userId: string, origin: RequestOrigin): Promise<never> {
  await deps.core.auditTrail.record({ kind: 'MFA_FAILED', userId, origin });
  throw new AuthenticationError('MFA_CODE_INVALID');
}

// Codes longer than any we issue are malformed; they are not worth normalising.
export const MAX_CODE_LENGTH = 64;

/** Counts the attempt against the session's and the account's limits before any check. */
export function countAttempt(throttle: MfaThrottle, viewer: Viewer) {
  return throttle.attempt(viewer.userId, viewer.sessionId);
}
