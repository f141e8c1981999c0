import { performance } from 'node:perf_hooks';
import { ExecutionTimeoutError } from '../errors.js';

/** A request's time budget, checked before each batch of database work it starts. */
export interface ExecutionDeadline {
  /** Throws ExecutionTimeoutError once the budget is spent. */
  check(): void;
}

/** A budget of `limitMs` from now. */
export function startDeadline(limitMs: number): ExecutionDeadline {
  const endsAt = performance.now() + limitMs;
  return {
    check() {
      if (performance.now() >= endsAt) throw new ExecutionTimeoutError(limitMs);
    },
  };
}

/**
 * A subscription's context lives as long as its socket: it has no one budget. Each event's
 * work is bounded by the cost check its document passed instead.
 */
export const NO_DEADLINE: ExecutionDeadline = Object.freeze({ check() {} });
