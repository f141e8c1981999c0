import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config.js';
import { loadSigningKey } from '../../../src/tokens/signing-key.js';
import { useCleanup } from '../../helpers/cleanup.js';
import { makeTempDir, removeTempDir } from '../../helpers/data-dir.js';

const cleanup = useCleanup();

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('key-permissions');
  cleanup.push(() => removeTempDir(dir));
  return dir;
}

async function writeWithMode(path: string, text: string, mode: number): Promise<string> {
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PUBLIC_PEM = publicKey.export({ format: 'pem', type: 'spki' }).toString();

const jwtConfig = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).jwt;

describe('key files that group or others may use', () => {
  it('refuses a DATA_DIR/jwt-secret of mode 0644, naming it and the chmod that fixes it', async () => {
    const dataDir = await tempDir();
    const path = await writeWithMode(join(dataDir, 'jwt-secret'), 'x'.repeat(86), 0o644);
    await expect(loadSigningKey(jwtConfig({}), dataDir)).rejects.toMatchObject({
      name: 'SigningKeyError',
      message: `DATA_DIR: ${path} is readable or writable by group or others (mode 0644): run chmod 600 ${path}`,
    });
  });

  it('accepts a DATA_DIR/jwt-secret of mode 0600', async () => {
    const dataDir = await tempDir();
    await writeWithMode(join(dataDir, 'jwt-secret'), 'x'.repeat(86), 0o600);
    await expect(loadSigningKey(jwtConfig({}), dataDir)).resolves.toMatchObject({ source: 'data-dir' });
  });

  it('refuses a generated ES256 key in DATA_DIR of mode 0640', async () => {
    const dataDir = await tempDir();
    const path = await writeWithMode(join(dataDir, 'jwt-es256-private-key.pem'), PRIVATE_PEM, 0o640);
    await expect(loadSigningKey(jwtConfig({ JWT_ALGORITHM: 'ES256' }), dataDir)).rejects.toMatchObject({
      message: `DATA_DIR: ${path} is readable or writable by group or others (mode 0640): run chmod 600 ${path}`,
    });
  });

  it('refuses a JWT_PRIVATE_KEY_FILE of mode 0604', async () => {
    const dir = await tempDir();
    const path = await writeWithMode(join(dir, 'key.pem'), PRIVATE_PEM, 0o604);
    const jwt = jwtConfig({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: path });
    await expect(loadSigningKey(jwt, dir)).rejects.toMatchObject({
      message: `JWT_PRIVATE_KEY_FILE: ${path} is readable or writable by group or others (mode 0604): run chmod 600 ${path}`,
    });
  });

  it('refuses a JWT_PREVIOUS_PUBLIC_KEYS_FILE others may write, and accepts one they may only read', async () => {
    const dir = await tempDir();
    const key = await writeWithMode(join(dir, 'key.pem'), PRIVATE_PEM, 0o600);
    const previous = await writeWithMode(join(dir, 'previous.pem'), PUBLIC_PEM, 0o666);
    const jwt = jwtConfig({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: key, JWT_PREVIOUS_PUBLIC_KEYS_FILE: previous });
    await expect(loadSigningKey(jwt, dir)).rejects.toMatchObject({
      message: `JWT_PREVIOUS_PUBLIC_KEYS_FILE: ${previous} is writable by group or others (mode 0666): run chmod 644 ${previous}`,
    });
    await chmod(previous, 0o644);
    await expect(loadSigningKey(jwt, dir)).resolves.toMatchObject({ source: 'file' });
  });
});
