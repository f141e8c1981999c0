import type { Viewer } from '../../auth/viewer.js';
import type { MfaDependencies, RequestOrigin } from './mfa-dependencies.js';
import { checkFactorProved } from './mfa-proof.js';

/** Turns MFA off: the secret, any pending one and the recovery codes are deleted. False if it was off. */
export async function disableMfa(deps: MfaDependencies, viewer: Viewer, origin: RequestOrigin): Promise<boolean> {
  await checkFactorProved(deps, viewer);
  return deps.db.transaction(async (tx) => {
    const wasOn = await deps.factors.remove(tx, viewer.userId);
    if (wasOn) {
      await deps.audit(tx, { kind: 'MFA_DISABLED', userId: viewer.userId, origin });
      await deps.notify(tx, viewer, { kind: 'mfa-disabled' });
    }
    return wasOn;
  });
}
