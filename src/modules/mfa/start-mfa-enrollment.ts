import type { Viewer } from '../../auth/viewer.js';
import type { MfaDependencies } from './mfa-dependencies.js';
import { checkFactorProved } from './mfa-proof.js';
import { drawQrCodeSvg } from './qr-code.js';
import { formatOtpauthUrl, generateTotpSecret } from './totp.js';

/** What the user's authenticator app needs: shown once, while the enrollment is pending. */
export interface MfaEnrollmentRecord {
  readonly secret: string;
  readonly otpauthUrl: string;
  readonly qrCodeSvg: string;
}

/**
 * Draws a new TOTP secret and keeps it (sealed) as the pending one: MFA is not on until
 * confirmMfaEnrollment receives a code it produced. Starting again replaces a pending
 * secret; an enabled one stays until a new one is confirmed.
 */
export async function startMfaEnrollment(deps: MfaDependencies, viewer: Viewer): Promise<MfaEnrollmentRecord> {
  await checkFactorProved(deps, viewer);
  const secret = generateTotpSecret();
  await deps.factors.savePendingSecret(viewer.userId, deps.box.seal(secret, viewer.userId));
  const otpauthUrl = formatOtpauthUrl(secret, deps.issuer, viewer.user.email);
  return { secret, otpauthUrl, qrCodeSvg: await drawQrCodeSvg(otpauthUrl) };
}
