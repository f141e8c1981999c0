import type { Viewer } from '../../auth/viewer.js';
import { ForbiddenError } from '../../errors.js';
import type { MfaDependencies } from './mfa-dependencies.js';
import { checkFactorProved } from './mfa-proof.js';
import { generateRecoveryCodes } from './recovery-codes.js';

/** A new set of ten recovery codes, shown once; the earlier set stops working. Needs MFA on. */
export async function regenerateRecoveryCodes(deps: MfaDependencies, viewer: Viewer): Promise<string[]> {
  await checkFactorProved(deps, viewer);
  const recoveryCodes = generateRecoveryCodes();
  const regenerated = await deps.db.transaction(async (tx) => {
    const factor = await deps.factors.lock(tx, viewer.userId);
    if (factor?.secret == null) return false;
    await deps.factors.replaceRecoveryCodes(tx, viewer.userId, recoveryCodes.map(deps.hashRecoveryCode));
    await deps.notify(tx, viewer, { kind: 'recovery-codes-regenerated' });
    return true;
  });
  if (!regenerated) throw new ForbiddenError('MFA is off: there are no recovery codes to replace.');
  return recoveryCodes;
}
