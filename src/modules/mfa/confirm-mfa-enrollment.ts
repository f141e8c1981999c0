import type { Viewer } from '../../auth/viewer.js';
import type { MfaDependencies, RequestOrigin } from './mfa-dependencies.js';
import { checkFactorProved, countAttempt, MAX_CODE_LENGTH, refuseCode } from './mfa-proof.js';
import { generateRecoveryCodes } from './recovery-codes.js';
import { matchTotpStep } from './totp.js';

/**
 * Turns MFA on with the pending secret, once `code` shows the authenticator app holds it.
 * Returns ten recovery codes, in plain text this once; only their MACs are kept, and any
 * earlier set is void. The code's time step is spent: it cannot sign in afterwards.
 */
export async function confirmMfaEnrollment(
  deps: MfaDependencies,
  viewer: Viewer,
  code: string,
  origin: RequestOrigin,
): Promise<string[]> {
  await checkFactorProved(deps, viewer);
  const attempt = await countAttempt(deps.throttle, viewer);
  const recoveryCodes = generateRecoveryCodes();
  const confirmed = await deps.db.transaction(async (tx) => {
    const factor = await deps.factors.lock(tx, viewer.userId);
    if (factor?.pendingSecret == null || code.length > MAX_CODE_LENGTH) return false;
    const secret = deps.box.open(factor.pendingSecret, viewer.userId);
    const step = secret === null ? null : matchTotpStep(secret, code.trim());
    if (step === null) return false;
    const replacing = factor.secret !== null;
    await deps.factors.confirm(tx, viewer.userId, factor.pendingSecret, step);
    await deps.factors.replaceRecoveryCodes(tx, viewer.userId, recoveryCodes.map(deps.hashRecoveryCode));
    await deps.audit(tx, { kind: 'MFA_ENABLED', userId: viewer.userId, origin });
    await deps.notify(tx, viewer, { kind: replacing ? 'mfa-authenticator-changed' : 'mfa-enabled' });
    return true;
  });
  if (!confirmed) return refuseCode(deps, viewer.userId, origin);
  await attempt.succeeded();
  return recoveryCodes;
}
