import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JwtAlgorithm, JwtConfig } from '../config.js';

/** The key that signs access tokens and the keys that verify them. */
export interface SigningKey {
  readonly algorithm: JwtAlgorithm;
  /** HS256: the shared secret as a KeyObject (a string secret makes jsonwebtoken ~40x slower). */
  readonly signingKey: KeyObject;
  readonly verificationKey: KeyObject;
  /** Where the key came from, for the start-up log; never the key itself. */
  readonly source: 'environment' | 'generated' | 'data-dir';
}

const DEV_SECRET_FILE = 'jwt-secret';

/**
 * Loads the configured key. In development, with no key configured, a random secret is
 * generated once and kept under dataDir so tokens survive restarts. Production never
 * gets here without a key: loadConfig refuses to start.
 */
export async function loadSigningKey(jwt: JwtConfig, dataDir: string): Promise<SigningKey> {
  if (jwt.algorithm !== 'HS256') {
    throw new Error(
      `JWT_ALGORITHM=${jwt.algorithm} is not supported by this version of Gatehouse yet; use HS256.`,
    );
  }
  if (jwt.secret !== undefined) {
    const key = createSecretKey(Buffer.from(jwt.secret, 'utf8'));
    return { algorithm: 'HS256', signingKey: key, verificationKey: key, source: 'environment' };
  }
  const { secret, created } = await readOrCreateDevSecret(dataDir);
  const key = createSecretKey(secret);
  return {
    algorithm: 'HS256',
    signingKey: key,
    verificationKey: key,
    source: created ? 'generated' : 'data-dir',
  };
}

async function readOrCreateDevSecret(dataDir: string): Promise<{ secret: Buffer; created: boolean }> {
  const path = join(dataDir, DEV_SECRET_FILE);
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(64);
  try {
    // 'wx' fails if another process won the race; then we read the winner's secret.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(secret.toString('base64url'));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { secret, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
  if (stored.length < 32) {
    throw new Error(`${path} holds no usable secret: delete it to have a new one generated.`);
  }
  return { secret: stored, created: false };
}
