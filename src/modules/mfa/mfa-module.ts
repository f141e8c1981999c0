import { allow } from 'graphql-shield';
import { defineLoader } from '../../graphql/loaders.js';
import { defineModule, recordKeys } from '../../graphql/module.js';
import { canSeeEmail, isAuthenticated, isSignedIn, requiresRecentAuthentication } from '../../graphql/rules.js';
import type { MfaDependencies } from './mfa-dependencies.js';
import { createMfaRepository } from './mfa-repository.js';
import { createMfaResolvers } from './mfa-resolvers.js';
import { createMfaThrottle } from './mfa-throttle.js';
import { createRecoveryCodeHasher } from './recovery-codes.js';
import { createSecretBox } from './secret-box.js';
import type { MfaEnrollmentRecord } from './start-mfa-enrollment.js';

// Six digits and three accepted steps: 5 guesses per session and 10 per account per window
// give a guesser about 3 in 100,000 per window.
const MAX_FAILURES_PER_SESSION = 5;
const MAX_FAILURES_PER_ACCOUNT = 10;

/**
 * Multi-factor authentication: TOTP (RFC 6238) with recovery codes. A sign-in of a user
 * with MFA on starts a session that owes the second factor (the core asks this module
 * through `secondFactor`), and verifyMfa proves it.
 */
export const mfaModule = defineModule({
  name: 'mfa',
  schemaFiles: ['mfa.graphql'],
  rules: {
    Mutation: {
      startMfaEnrollment: requiresRecentAuthentication,
      confirmMfaEnrollment: isAuthenticated,
      regenerateRecoveryCodes: requiresRecentAuthentication,
      disableMfa: requiresRecentAuthentication,
      reauthenticate: isAuthenticated,
      // The one mutation a session owing its second factor may call (with logout).
      verifyMfa: isSignedIn,
    },
    User: { mfaEnabled: canSeeEmail },
    MfaEnrollment: allow,
  },
  records: {
    MfaEnrollment: recordKeys<MfaEnrollmentRecord>()('secret', 'otpauthUrl', 'qrCodeSvg'),
  },
  mappers: {
    MfaEnrollment: 'modules/mfa/start-mfa-enrollment.js#MfaEnrollmentRecord',
  },
  setup: (kernel) => {
    const factors = createMfaRepository(kernel.db);
    const deps: MfaDependencies = {
      db: kernel.db,
      core: kernel.services,
      factors,
      box: createSecretBox(kernel.deriveSecret('mfa totp secrets')),
      hashRecoveryCode: createRecoveryCodeHasher(kernel.deriveSecret('mfa recovery codes')),
      throttle: createMfaThrottle(kernel.db, {
        maxFailuresPerSession: MAX_FAILURES_PER_SESSION,
        maxFailuresPerAccount: MAX_FAILURES_PER_ACCOUNT,
        windowSeconds: kernel.config.loginWindowSeconds,
      }),
      issuer: kernel.config.jwt.issuer,
      audit: (tx, event) => kernel.recordAuditEvent(tx, event),
      // The address as of the caller's session check (at most the session cache's TTL old).
      notify: (tx, viewer, notice) => kernel.services.securityNotices.send(tx, { userId: viewer.userId, email: viewer.user.email }, notice),
    };
    kernel.services.secondFactor.add((userId) => factors.isEnabled(userId));
    const mfaEnabledOf = defineLoader((userIds: readonly string[]) => factors.findEnabled(userIds));
    return { resolvers: createMfaResolvers(deps, mfaEnabledOf) };
  },
});
