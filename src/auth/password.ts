import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { RateLimitedError } from '../errors.js';

// OWASP Password Storage Cheat Sheet (2025): argon2id, m = 19 MiB, t = 2, p = 1.
// Argon2id is the library's default algorithm; test/unit/auth/password.test.ts pins it.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** How many hashes run at once, and how many may wait for a turn. */
export interface HashingLimits {
  /** @default one less than the cores (at least 1) */
  readonly concurrency: number;
  /** Waiting beyond this many, a request is refused with RATE_LIMITED. @default 32 × concurrency */
  readonly maxWaiting: number;
}

// One core is left to the event loop (and the embedded database, which runs on it): 64
// concurrent logins once took every core and stalled every other request. Each hash
// takes ~15–30 ms, so 32 waiting per slot is at most ~1 s of waiting; past it the
// client is told to retry in a second rather than queued for longer.
const SLOTS = Math.max(1, availableParallelism() - 1);
export const HASHING_LIMITS: HashingLimits = Object.freeze({ concurrency: SLOTS, maxWaiting: 32 * SLOTS });

const BUSY_RETRY_AFTER_SECONDS = 1;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison inside argon2; false for a malformed hash, never a throw. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verification against a hash no password matches, so that a
   * login for an unknown email takes as long as one with a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
  /**
   * Throws the busy RateLimitedError now if a hash would be refused: a login or sign-up
   * calls it first, so a refused one costs no database work either.
   */
  checkAvailable(): void;
}

/**
 * Creates the hasher; computes its dummy hash once. Every hash and verification takes a
 * turn in one bounded queue: RateLimitedError (retry after 1 s) when it is full.
 */
export async function createPasswordHasher(limits: Partial<HashingLimits> = {}): Promise<PasswordHasher> {
  const { concurrency, maxWaiting } = { concurrency: HASHING_LIMITS.concurrency, maxWaiting: HASHING_LIMITS.maxWaiting, ...limits };
  const inTurn = createTurns(concurrency, maxWaiting);
  const dummyHash = await hash(randomBytes(32), ARGON2_OPTIONS);
  const verifyHash = (passwordHash: string, password: string) =>
    inTurn(async () => {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    });
  return {
    hash: (password) => inTurn(() => hash(password, ARGON2_OPTIONS)),
    verify: verifyHash,
    verifyDummy: async (password) => {
      await verifyHash(dummyHash, password);
      return false;
    },
    checkAvailable: () => inTurn.checkAvailable(),
  };
}

function busyError(): RateLimitedError {
  return new RateLimitedError(
    BUSY_RETRY_AFTER_SECONDS,
    `The server is busy checking passwords. Try again in ${BUSY_RETRY_AFTER_SECONDS} second.`,
  );
}

/** Runs at most `concurrency` tasks at once, `maxWaiting` more in order; refuses the rest. */
function createTurns(concurrency: number, maxWaiting: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next !== undefined) {
      running++;
      next();
    }
  };
  const checkAvailable = () => {
    if (running >= concurrency && waiting.length >= maxWaiting) throw busyError();
  };
  const inTurn = async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) {
      checkAvailable();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await task();
    } finally {
      release();
    }
  };
  return Object.assign(inTurn, { checkAvailable });
}
