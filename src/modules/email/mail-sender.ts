import type { MailOutboxRepository } from './mail-outbox-repository.js';
import type { MailTransport } from './smtp-transport.js';

export interface MailSenderOptions {
  /** How often the outbox is polled for mail written by other instances or due for retry, in ms. @default 2000 */
  pollIntervalMs?: number;
  /**
   * How long a claimed mail belongs to this instance, in ms: past it, another instance
   * takes it over (this one died). Longer than one attempt can take. @default 120000
   */
  leaseMs?: number;
  /**
   * Attempts before a mail is marked failed for good (its last error kept). @default 12:
   * with the delays below (5 s doubling, at most 1 h apart), about 2.4 hours of retrying.
   */
  maxAttempts?: number;
  /** The first retry's delay in ms; each next one doubles, up to maxRetryDelayMs. @default 5000 */
  retryDelayMs?: number;
  /** @default 3600000 (1 h) */
  maxRetryDelayMs?: number;
  /**
   * Mails claimed at once. @default 1: each claimed mail's lease runs while the ones before
   * it are sent, so one at a time keeps every send well within its lease.
   */
  batchSize?: number;
}

/** Where the sender reports each outcome (the server's logger). */
export interface MailLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface MailSender {
  /** Looks at the outbox now (a mail was just committed here). */
  wake(): void;
  /** Stops claiming, waits for the round in flight, closes the transport. */
  stop(): Promise<void>;
}

/**
 * Delivers the outbox: claims due mails, sends each, records the outcome. At least once:
 * a sender killed after the SMTP server accepted a mail but before recording it sends
 * it again once the lease lapses; while senders live, each mail is sent once.
 */
export function startMailSender(
  outbox: MailOutboxRepository,
  transport: MailTransport,
  log: MailLog,
  options: MailSenderOptions = {},
): MailSender {
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const leaseMs = options.leaseMs ?? 120_000;
  const maxAttempts = options.maxAttempts ?? 12;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 60 * 60 * 1000;
  const batchSize = options.batchSize ?? 1;

  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const deliver = async (): Promise<void> => {
    for (;;) {
      const mails = await outbox.claimDue(batchSize, leaseMs);
      for (const mail of mails) {
        try {
          await transport.send(mail);
          await outbox.markSent(mail.id);
          log.info({ mailId: mail.id, kind: mail.kind, attempt: mail.attempts }, 'mail sent');
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const retryInMs =
            mail.attempts >= maxAttempts ? null : Math.min(retryDelayMs * 2 ** (mail.attempts - 1), maxRetryDelayMs);
          await outbox.markFailed(mail.id, message, retryInMs);
          const fields = { mailId: mail.id, kind: mail.kind, attempt: mail.attempts, error: message };
          if (retryInMs === null) log.error(fields, 'mail not delivered: gave up');
          else log.warn({ ...fields, retryInMs }, 'mail not delivered: will retry');
        }
        if (stopped) return;
      }
      if (mails.length < batchSize || stopped) return;
    }
  };

  const round = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = deliver()
      .catch((error: Error) => log.warn({ error: error.message }, 'could not read the mail outbox'))
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          round();
        } else {
          timer = setTimeout(round, pollIntervalMs).unref();
        }
      });
  };

  round();
  return {
    wake: round,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      transport.close();
    },
  };
}
