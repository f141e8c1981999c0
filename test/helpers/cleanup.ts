import { afterEach } from '@jest/globals';

export interface Cleanup {
  /** Runs the task after the current test, passed or failed. */
  push(task: () => Promise<unknown>): void;
}

/** Tasks pushed during a test run after it, the last pushed first (a `finally` without the nesting). */
export function useCleanup(): Cleanup {
  const tasks: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const task of tasks.splice(0).reverse()) await task();
  });
  return { push: (task) => void tasks.push(task) };
}
