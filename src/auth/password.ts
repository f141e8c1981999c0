import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// OWASP Password Storage Cheat Sheet (2025): argon2id, m = 19 MiB, t = 2, p = 1.
// Argon2id is the library's default algorithm; test/unit/auth/password.test.ts pins it.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison inside argon2; false for a malformed hash, never a throw. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verification against a hash no password matches, so that a
   * login for an unknown email takes as long as one with a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
}

/** Creates the hasher; computes its dummy hash once. */
export async function createPasswordHasher(): Promise<PasswordHasher> {
  const dummyHash = await hash(randomBytes(32), ARGON2_OPTIONS);
  const verifyHash = async (passwordHash: string, password: string) => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  };
  return {
    hash: (password) => hash(password, ARGON2_OPTIONS),
    verify: verifyHash,
    verifyDummy: async (password) => {
      await verifyHash(dummyHash, password);
      return false;
    },
  };
}
