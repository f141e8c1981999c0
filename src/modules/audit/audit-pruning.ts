import type { AuditRepository } from './audit-repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where pruning reports (the kernel's logger fits). */
interface PruningLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface AuditPruningOptions {
  retentionDays: number;
  /** How often to prune, in ms. */
  intervalMs: number;
}

/**
 * Deletes audit events older than the retention, once at start and then every interval
 * (like the rate-limit counters' purge). Every instance prunes; the deletes are idempotent.
 * `stop` ends the timer and waits for a prune in flight.
 */
export function startAuditPruning(audit: AuditRepository, log: PruningLog, options: AuditPruningOptions) {
  let running: Promise<void> = Promise.resolve();
  const prune = () => {
    running = audit
      .pruneBefore(new Date(Date.now() - options.retentionDays * DAY_MS))
      .then((deleted) => {
        if (deleted > 0) log.info({ deleted }, 'pruned old audit events');
      })
      .catch((error: Error) => {
        log.warn({ error: error.message }, 'could not prune old audit events');
      });
  };
  prune();
  const timer = setInterval(prune, options.intervalMs).unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
