import type { AuditEvent } from '../db/audit-trail.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { UserRepository } from '../users/user-repository.js';
import type { DeviceTokens } from './device-token.js';
import type { LoginThrottle, SignUpThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password.js';
import type { ScopeLimits } from './scope-limits.js';
import type { SecurityNotices } from './security-notice.js';
import type { SecondFactorGate } from './second-factor.js';
import type { SessionCache } from './session-cache.js';
import type { SessionStore } from './session-store.js';

/** What the authentication use cases work with; built once in app.ts. */
export interface AuthDependencies {
  readonly users: UserRepository;
  readonly sessions: SessionStore;
  readonly sessionCache: SessionCache;
  readonly passwords: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly loginThrottle: LoginThrottle;
  /** Records an audit event on its own, for what writes nothing else (a failed login). */
  readonly auditTrail: { record(event: AuditEvent): Promise<void> };
  readonly deviceTokens: DeviceTokens;
  /** Tells a user of a change to their account (the email module mails it), in the change's transaction. */
  readonly securityNotices: SecurityNotices;
  readonly signUpThrottle: SignUpThrottle;
  /** What modules narrow a user's scopes by (REQUIRE_EMAIL_VERIFICATION). */
  readonly scopeLimits: ScopeLimits;
  /** Whether a sign-in must be followed by a second factor (MFA on). */
  readonly secondFactor: SecondFactorGate;
  /** REAUTH_MAX_AGE_SECONDS: how recent an authentication the step-up rule asks for. */
  readonly reauthMaxAgeSeconds: number;
}
