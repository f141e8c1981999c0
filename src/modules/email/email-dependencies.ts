import type { AuditEvent, AuditOrigin } from '../../db/audit-trail.js';
import type { Db } from '../../db/database.js';
import type { AuthDependencies } from '../../auth/auth-dependencies.js';
import type { UserAdminDependencies } from '../../users/user-admin.js';
import type { EmailAccountRepository } from './email-account-repository.js';
import type { EmailTokenRepository } from './email-token-repository.js';
import type { MailLimits } from './mail-limit-store.js';
import type { MailOutboxRepository, Tx } from './mail-outbox-repository.js';
import type { Mail } from './mail-templates.js';

/** What the email use cases work with; built once in the module's setup. */
export interface EmailDependencies {
  readonly db: Db;
  /** The core's accounts, sessions, passwords and tokens. */
  readonly core: AuthDependencies & Pick<UserAdminDependencies, 'onUserChanged'>;
  readonly tokens: EmailTokenRepository;
  readonly accounts: EmailAccountRepository;
  readonly outbox: MailOutboxRepository;
  readonly limits: MailLimits;
  /** The frontend's base URL for links (APP_URL, or the server's own). */
  appUrl(): string;
  /** Writes a mail into the outbox inside `tx` (kept for /dev/mail when nothing delivers mail). */
  enqueue(tx: Tx, mail: Mail): Promise<void>;
  /** Writes an audit event inside `tx`, the transaction of the change it records. */
  audit(tx: Tx, event: AuditEvent): Promise<void>;
  /** Tells the sender that mail was committed. */
  wake(): void;
  /** Runs work off the response path; shutdown waits for it. */
  inBackground(work: () => Promise<void>): void;
}

/** Where a request came from: its audit events record it. */
export type RequestOrigin = AuditOrigin;
