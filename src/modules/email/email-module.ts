import { allow } from 'graphql-shield';
import { defineLoader } from '../../graphql/loaders.js';
import { defineModule, type GatehouseModule } from '../../graphql/module.js';
import { canSeeEmail, isAuthenticated, requiresRecentAuthentication } from '../../graphql/rules.js';
import { devMailRoutes } from './dev-mail-routes.js';
import { createEmailAccountRepository } from './email-account-repository.js';
import type { EmailDependencies } from './email-dependencies.js';
import { createEmailResolvers } from './email-resolvers.js';
import type { EmailTokenKind } from './email-token.js';
import { createEmailTokenRepository } from './email-token-repository.js';
import { createMailLimits } from './mail-limit-store.js';
import { createMailOutboxRepository } from './mail-outbox-repository.js';
import { composeSecurityNoticeMail } from './mail-templates.js';
import { startMailSender, type MailSenderOptions } from './mail-sender.js';
import { createSmtpTransport } from './smtp-transport.js';
import { createUnverifiedScopeLimiter } from './unverified-scope-limit.js';
import { userChanged } from '../../users/user-changed.js';

export interface EmailModuleOptions {
  /** The outbox sender's timings (tests shorten the retries). */
  sender?: MailSenderOptions;
  /** Per-attempt SMTP timeout in ms. @default 15000 */
  smtpTimeoutMs?: number;
  /** Link lifetimes in ms other than the contract's (tests expire links). */
  tokenLifetimesMs?: Partial<Record<EmailTokenKind, number>>;
}

/**
 * The account lifecycle by email: verification, password reset, email change and security
 * notices, written to an outbox in the transaction of the change and delivered by a sender
 * through SMTP_URL (or kept for /dev/mail in development).
 */
export function createEmailModule(options: EmailModuleOptions = {}): GatehouseModule {
  return defineModule({
    name: 'email',
    schemaFiles: ['email.graphql'],
    rules: {
      Mutation: {
        requestEmailVerification: isAuthenticated,
        verifyEmail: allow,
        requestPasswordReset: allow,
        resetPassword: allow,
        changeEmail: requiresRecentAuthentication,
      },
      User: { emailVerified: canSeeEmail },
    },
    setup: (kernel) => {
      const { config } = kernel;
      const outbox = createMailOutboxRepository(kernel.db);
      const accounts = createEmailAccountRepository(kernel.db);
      const smtpUrl = config.mail.smtpUrl;
      const sender =
        smtpUrl === undefined
          ? undefined
          : startMailSender(
              outbox,
              createSmtpTransport({ url: smtpUrl, from: config.mail.from, timeoutMs: options.smtpTimeoutMs }),
              kernel.log,
              options.sender,
            );
      const background = new Set<Promise<void>>();
      const deps: EmailDependencies = {
        db: kernel.db,
        core: kernel.services,
        tokens: createEmailTokenRepository(kernel.db, options.tokenLifetimesMs),
        accounts,
        outbox,
        limits: createMailLimits(kernel.db, { maxPerAddress: config.mail.maxPerAddress, maxPerIp: config.mail.maxPerIp }),
        appUrl: () => config.mail.appUrl ?? kernel.serverUrl(),
        enqueue: (tx, mail) => outbox.enqueue(tx, mail, sender === undefined ? 'kept' : 'pending'),
        audit: (tx, event) => kernel.recordAuditEvent(tx, event),
        wake: () => sender?.wake(),
        inBackground: (work) => {
          // Started once the response is out: the embedded database runs on this thread, so
          // work begun now would delay the answer by exactly what it should hide.
          const running: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 100))
            .then(work)
            .catch((error: Error) => kernel.log.error({ error: error.message }, 'could not write a mail'))
            .finally(() => background.delete(running));
          background.add(running);
        },
      };
      kernel.services.securityNotices.add(async (tx, { email }, notice) => {
        await deps.enqueue(tx, composeSecurityNoticeMail(email, notice));
        // After this transaction commits: the sender claims only committed rows.
        deps.inBackground(async () => deps.wake());
      });
      if (config.mail.requireVerification) {
        const verifiedEmails = kernel.createReadCache<string | null>();
        kernel.on(userChanged, ({ userId }) => verifiedEmails.invalidate(userId));
        kernel.onReset(() => verifiedEmails.clear());
        kernel.services.scopeLimits.add(createUnverifiedScopeLimiter(accounts, verifiedEmails));
      }
      const verifiedEmailOf = defineLoader((userIds: readonly string[]) => accounts.findVerifiedEmails(userIds));
      return {
        resolvers: createEmailResolvers(deps, verifiedEmailOf),
        routes: config.isProduction ? [] : devMailRoutes(outbox),
        close: async () => {
          await Promise.allSettled([...background]);
          await sender?.stop();
        },
      };
    },
  });
}

export const emailModule = createEmailModule();
