import { describe } from '@jest/globals';

/**
 * `describe` for tests that need a real PostgreSQL (DATABASE_URL): without one they are
 * skipped, and the run says so and why.
 */
export function describeWithPostgres(name: string, tests: () => void): void {
  if (process.env.DATABASE_URL === undefined) {
    console.warn(`Skipped "${name}": it needs DATABASE_URL (a real PostgreSQL).`);
    describe.skip(name, tests);
  } else {
    describe(name, tests);
  }
}
