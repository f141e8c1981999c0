import type { AuthDependencies } from '../../auth/auth-dependencies.js';
import type { SecurityNotice } from '../../auth/security-notice.js';
import type { Viewer } from '../../auth/viewer.js';
import type { AuditEvent, AuditOrigin } from '../../db/audit-trail.js';
import type { Db } from '../../db/database.js';
import type { MfaRepository, Tx } from './mfa-repository.js';
import type { MfaThrottle } from './mfa-throttle.js';
import type { RecoveryCodeHasher } from './recovery-codes.js';
import type { SecretBox } from './secret-box.js';

/** What the MFA use cases work with; built once in the module's setup. */
export interface MfaDependencies {
  readonly db: Db;
  /** The core's sessions, tokens and audit trail. */
  readonly core: AuthDependencies;
  readonly factors: MfaRepository;
  /** Seals TOTP secrets at rest. */
  readonly box: SecretBox;
  readonly hashRecoveryCode: RecoveryCodeHasher;
  readonly throttle: MfaThrottle;
  /** The `issuer` an authenticator app shows beside the account (JWT_ISSUER). */
  readonly issuer: string;
  /** Writes an audit event inside `tx`, the transaction of the change it records. */
  audit(tx: Tx, event: AuditEvent): Promise<void>;
  /** Tells the caller of a change to their account (a mail, with the email module) inside `tx`. */
  notify(tx: Tx, viewer: Viewer, notice: SecurityNotice): Promise<void>;
}

/** Where a request came from: its audit events record it. */
export type RequestOrigin = AuditOrigin;
