import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JwtAlgorithm, JwtConfig } from '../config.js';

/** The key that signs access tokens, the keys that verify them, and what JWKS publishes. */
export interface SigningKey {
  readonly algorithm: JwtAlgorithm;
  /** HS256: the shared secret as a KeyObject (a string secret makes jsonwebtoken ~40x slower). */
  readonly signingKey: KeyObject;
  /** The current key's id (RFC 7638 thumbprint); undefined for HS256. */
  readonly kid: string | undefined;
  /** Verification keys by kid: the current one and the previous ones. HS256: one, under "". */
  readonly verificationKeys: ReadonlyMap<string, KeyObject>;
  /** `/.well-known/jwks.json`: public keys only; empty for HS256. */
  readonly jwks: { readonly keys: readonly JsonWebKey[] };
  /** Where the key came from, for the start-up log; never the key itself. */
  readonly source: 'environment' | 'file' | 'generated' | 'data-dir';
}

/**
 * A secret for another purpose (e.g. signing pagination cursors), derived from the
 * signing key with HKDF (RFC 5869) so that no second secret needs configuring and the
 * two uses never share a key.
 */
export function deriveSecret(key: SigningKey, purpose: string): Buffer {
  const material =
    key.signingKey.type === 'secret'
      ? key.signingKey.export()
      : key.signingKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `gatehouse ${purpose}`, 32));
}

/** A key that cannot be used as configured; the message names the variable. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

const DEV_KEY_FILES: Record<JwtAlgorithm, string> = {
  HS256: 'jwt-secret',
  RS256: 'jwt-rs256-private-key.pem',
  ES256: 'jwt-es256-private-key.pem',
};
const MIN_RSA_BITS = 2048;

/**
 * Loads the configured key. In development, with no key configured, one is generated
 * once and kept under dataDir so tokens survive restarts. Production never gets here
 * without a key: loadConfig refuses to start.
 */
export async function loadSigningKey(jwt: JwtConfig, dataDir: string): Promise<SigningKey> {
  if (jwt.algorithm === 'HS256') return loadSecret(jwt, dataDir);

  let privatePem: string;
  let source: SigningKey['source'];
  if (jwt.privateKeyPem !== undefined) {
    [privatePem, source] = [jwt.privateKeyPem, 'environment'];
  } else if (jwt.privateKeyFile !== undefined) {
    privatePem = await readFile(jwt.privateKeyFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new SigningKeyError(`JWT_PRIVATE_KEY_FILE: cannot read ${jwt.privateKeyFile} (${error.code}).`);
    });
    await refuseShared(jwt.privateKeyFile, 'JWT_PRIVATE_KEY_FILE', SECRET);
    source = 'file';
  } else {
    const generated = await readOrCreate(join(dataDir, DEV_KEY_FILES[jwt.algorithm]), () =>
      generatePrivateKeyPem(jwt.algorithm),
    );
    [privatePem, source] = [generated.value, generated.created ? 'generated' : 'data-dir'];
  }

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem);
  } catch {
    throw new SigningKeyError(
      'JWT_PRIVATE_KEY: not a PEM private key (PKCS#8, PKCS#1 or SEC1 expected).',
    );
  }
  checkKeyFitsAlgorithm(privateKey, jwt.algorithm, 'JWT_PRIVATE_KEY');

  const current = createPublicKey(privateKey);
  const previous =
    jwt.previousPublicKeysFile === undefined
      ? []
      : await loadPreviousKeys(jwt.previousPublicKeysFile, jwt.algorithm);
  const verificationKeys = new Map<string, KeyObject>();
  const jwks: JsonWebKey[] = [];
  for (const key of [current, ...previous]) {
    const jwk = key.export({ format: 'jwk' });
    const kid = jwkThumbprint(jwk);
    if (verificationKeys.has(kid)) continue;
    verificationKeys.set(kid, key);
    jwks.push({ ...jwk, kid, alg: jwt.algorithm, use: 'sig' });
  }
  return {
    algorithm: jwt.algorithm,
    signingKey: privateKey,
    kid: jwkThumbprint(current.export({ format: 'jwk' })),
    verificationKeys,
    jwks: { keys: jwks },
    source,
  };
}

/**
 * RFC 7638 §3: the SHA-256 of the JSON of the key's required members, in lexicographic
 * order and without white space, base64url-encoded.
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : undefined;
  if (required === undefined) throw new SigningKeyError(`Unsupported key type ${String(jwk.kty)}.`);
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

async function loadSecret(jwt: JwtConfig, dataDir: string): Promise<SigningKey> {
  let secret: Buffer;
  let source: SigningKey['source'];
  if (jwt.secret !== undefined) {
    [secret, source] = [Buffer.from(jwt.secret, 'utf8'), 'environment'];
  } else {
    const path = join(dataDir, DEV_KEY_FILES.HS256);
    const stored = await readOrCreate(path, () => randomBytes(64).toString('base64url'));
    secret = Buffer.from(stored.value.trim(), 'base64url');
    if (secret.length < 32) {
      throw new SigningKeyError(`${path} holds no usable secret: delete it to have a new one generated.`);
    }
    source = stored.created ? 'generated' : 'data-dir';
  }
  const key = createSecretKey(secret);
  return {
    algorithm: 'HS256',
    signingKey: key,
    kid: undefined,
    verificationKeys: new Map([['', key]]),
    jwks: { keys: [] },
    source,
  };
}

function generatePrivateKeyPem(algorithm: JwtAlgorithm): string {
  const { privateKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function checkKeyFitsAlgorithm(key: KeyObject, algorithm: JwtAlgorithm, variable: string): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') {
      throw new SigningKeyError(`${variable}: RS256 needs an RSA key, not ${key.asymmetricKeyType}.`);
    }
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new SigningKeyError(`${variable}: RS256 needs an RSA key of at least ${MIN_RSA_BITS} bits.`);
    }
  } else if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1') {
    throw new SigningKeyError(`${variable}: ES256 needs an EC key on the P-256 curve.`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

async function loadPreviousKeys(path: string, algorithm: JwtAlgorithm): Promise<KeyObject[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SigningKeyError(`JWT_PREVIOUS_PUBLIC_KEYS_FILE: cannot read ${path} (${error.code}).`);
  });
  // Public keys may be read by anyone, but whoever can add one to this file can sign tokens.
  await refuseShared(path, 'JWT_PREVIOUS_PUBLIC_KEYS_FILE', PUBLIC);
  const blocks = [...text.replace(/\\n/g, '\n').matchAll(PEM_BLOCK)].map((match) => match[0]);
  if (blocks.length === 0) {
    throw new SigningKeyError(`JWT_PREVIOUS_PUBLIC_KEYS_FILE: ${path} holds no PEM keys.`);
  }
  return blocks.map((pem, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new SigningKeyError(`JWT_PREVIOUS_PUBLIC_KEYS_FILE: key ${index + 1} in ${path} is not a PEM key.`);
    }
    checkKeyFitsAlgorithm(key, algorithm, `JWT_PREVIOUS_PUBLIC_KEYS_FILE (key ${index + 1})`);
    return key;
  });
}

interface FileRule {
  /** The mode bits that refuse the file. */
  readonly forbidden: number;
  /** The chmod that fixes it. */
  readonly fix: string;
}
// A secret: owner-only. Like PostgreSQL's rule for its ssl_key_file, a file owned by root
// may also be readable by its group (a secret mounted read-only for the service's group).
const SECRET: FileRule = { forbidden: 0o077, fix: '600' };
const SECRET_OWNED_BY_ROOT: FileRule = { forbidden: 0o037, fix: '640' };
const PUBLIC: FileRule = { forbidden: 0o022, fix: '644' };

/** Refuses, naming the file and the fix, a key file that group or others may use as rule forbids. */
async function refuseShared(path: string, variable: string, rule: FileRule): Promise<void> {
  // Windows has no such mode bits.
  if (process.platform === 'win32') return;
  const { mode, uid } = await stat(path);
  const applied = rule === SECRET && uid === 0 && process.getuid?.() !== 0 ? SECRET_OWNED_BY_ROOT : rule;
  if ((mode & applied.forbidden) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  const what = rule === PUBLIC ? 'writable' : 'readable or writable';
  throw new SigningKeyError(
    `${variable}: ${path} is ${what} by group or others (mode ${octal}): run chmod ${applied.fix} ${path}`,
  );
}

/** Reads the file, or creates it (mode 0600) with make(); a concurrent creator wins. */
async function readOrCreate(path: string, make: () => string): Promise<{ value: string; created: boolean }> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    await refuseShared(path, 'DATA_DIR', SECRET);
    return { value: existing, created: false };
  }
  // Owner-only, as DATA_DIR is when the embedded database created it (no database, no lock).
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const value = make();
  try {
    // 'wx' fails if another process created it meanwhile; then we read the winner's.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(value);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { value: await readFile(path, 'utf8'), created: false };
}
