import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { makeTempDir, removeTempDir } from '../helpers/data-dir.js';
import { ME, outcome, postGraphQL, signUpUser, startTestApp, type TestApp, useTestApp, withTestApp } from '../helpers/test-app.js';

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const ec = (namedCurve = 'P-256') => generateKeyPairSync('ec', { namedCurve });
const pem = (key: { export(options: object): string | Buffer }, type: string) =>
  key.export({ format: 'pem', type }).toString();

let scratch: string;
beforeAll(async () => {
  scratch = await makeTempDir('keys');
});
afterAll(() => removeTempDir(scratch));

async function meWith(app: TestApp, token: string) {
  return postGraphQL(app.url, ME, {}, { headers: { authorization: `Bearer ${token}` } });
}

function expectInvalid(response: Awaited<ReturnType<typeof meWith>>) {
  expect(response.status).toBe(401);
  expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
}

describe('RS256 with a key generated in development', () => {
  const app = useTestApp({ JWT_ALGORITHM: 'RS256' });

  it('signs tokens with a kid that the JWKS publishes, verifiable with the published key', async () => {
    const user = await signUpUser(app);
    const { header } = jwt.decode(user.accessToken, { complete: true })!;
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });

    const jwks = await app.jwks();
    expect(jwks.keys).toHaveLength(1);
    const published = jwks.keys[0]!;
    expect(published).toMatchObject({ kty: 'RSA', kid: header.kid, alg: 'RS256', use: 'sig' });
    expect(published).not.toHaveProperty('d');
    const publicKey = createPublicKey({ key: published, format: 'jwk' });
    expect(() => jwt.verify(user.accessToken, publicKey, { algorithms: ['RS256'] })).not.toThrow();

    expect((await meWith(app, user.accessToken)).body.data!.me.id).toBe(user.user.id);
  });

  it('keeps the generated private key in DATA_DIR, readable by its owner only', async () => {
    const file = await stat(join(app.dataDir, 'jwt-rs256-private-key.pem'));
    expect(file.mode & 0o777).toBe(0o600);
  });

  it('serves the JWKS with a cache lifetime', async () => {
    const response = await fetch(`${app.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
  });

  describe('rejects crafted tokens', () => {
    let valid: string;
    let claims: Record<string, unknown>;
    let kid: string;
    let publicPem: string;
    beforeAll(async () => {
      const user = await signUpUser(app);
      valid = user.accessToken;
      claims = jwt.decode(valid) as Record<string, unknown>;
      kid = (jwt.decode(valid, { complete: true })!.header.kid)!;
      publicPem = createPublicKey({ key: (await app.jwks()).keys[0]!, format: 'jwk' })
        .export({ format: 'pem', type: 'spki' })
        .toString();
    });
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    it('HS256 signed with the public key (algorithm confusion)', async () => {
      const token = `${segment({ alg: 'HS256', typ: 'at+jwt', kid })}.${segment(claims)}`;
      const { createHmac } = await import('node:crypto');
      const signature = createHmac('sha256', publicPem).update(token).digest('base64url');
      expectInvalid(await meWith(app, `${token}.${signature}`));
    });

    it.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s" without a signature', async (alg) => {
      const [, body] = valid.split('.');
      expectInvalid(await meWith(app, `${segment({ alg, typ: 'at+jwt', kid })}.${body}.`));
    });

    it('a tampered payload under the original signature', async () => {
      const [head, , signature] = valid.split('.');
      expectInvalid(await meWith(app, `${head}.${segment({ ...claims, role: 'ADMIN' })}.${signature}`));
    });

    it.each([
      ['unknown', 'no-such-key'],
      ['a path', '../../../../etc/passwd'],
      ['SQL', "' or 1=1 --"],
      ['a URL', 'https://attacker.example/key.pem'],
    ])('a kid that is %s', async (_label, badKid) => {
      const attacker = rsa();
      const token = jwt.sign(claims, attacker.privateKey, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt', kid: badKid } as jwt.JwtHeader });
      expectInvalid(await meWith(app, token));
    });

    it('no kid at all', async () => {
      const [, body, signature] = valid.split('.');
      expectInvalid(await meWith(app, `${segment({ alg: 'RS256', typ: 'at+jwt' })}.${body}.${signature}`));
    });

    it.each(['jwk', 'jku', 'x5u'])('a token signed by the attacker whose key is offered in "%s"', async (member) => {
      const attacker = rsa();
      const offered =
        member === 'jwk' ? attacker.publicKey.export({ format: 'jwk' }) : 'https://attacker.example/jwks.json';
      const token = jwt.sign(claims, attacker.privateKey, {
        algorithm: 'RS256',
        header: { alg: 'RS256', typ: 'at+jwt', kid, [member]: offered } as jwt.JwtHeader,
      });
      expectInvalid(await meWith(app, token));
    });

    it('a garbage header', async () => {
      const [, body, signature] = valid.split('.');
      expectInvalid(await meWith(app, `bm90IGpzb24.${body}.${signature}`));
    });
  });
});

describe('ES256 with a configured key', () => {
  it('accepts a SEC1 PEM given inline with \\n escapes, with kid = RFC 7638 thumbprint', async () => {
    const { privateKey } = ec();
    const inline = pem(privateKey, 'sec1').trim().replace(/\n/g, '\\n');
    await withTestApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: inline }, async (app) => {
      const user = await signUpUser(app);
      const { header } = jwt.decode(user.accessToken, { complete: true })!;
      expect(header.alg).toBe('ES256');
      const [published] = (await app.jwks()).keys;
      expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', kid: header.kid, alg: 'ES256' });
      const { createHash } = await import('node:crypto');
      const { crv, kty, x, y } = published!;
      expect(header.kid).toBe(createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url'));
      expect(outcome(await meWith(app, user.accessToken))).toBe('OK');
    });
  });

  it.each([
    ['an RSA key for ES256', 'ES256', () => pem(rsa().privateKey, 'pkcs8'), 'JWT_PRIVATE_KEY: ES256 needs an EC key on the P-256 curve.'],
    ['a P-384 key for ES256', 'ES256', () => pem(ec('P-384').privateKey, 'pkcs8'), 'JWT_PRIVATE_KEY: ES256 needs an EC key on the P-256 curve.'],
    ['an EC key for RS256', 'RS256', () => pem(ec().privateKey, 'pkcs8'), 'JWT_PRIVATE_KEY: RS256 needs an RSA key, not ec.'],
    ['a 1024-bit RSA key', 'RS256', () => pem(rsa(1024).privateKey, 'pkcs1'), 'JWT_PRIVATE_KEY: RS256 needs an RSA key of at least 2048 bits.'],
    ['garbage', 'RS256', () => 'not a key', 'JWT_PRIVATE_KEY: not a PEM private key (PKCS#8, PKCS#1 or SEC1 expected).'],
  ])('refuses to start with %s', async (_label, algorithm, key, message) => {
    await expect(startTestApp({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY: key() })).rejects.toMatchObject({ message });
  });
});

describe('key rotation', () => {
  it('accepts tokens of the previous key after a restart with a new one, and publishes both', async () => {
    const oldKey = rsa();
    const newKey = rsa();
    const oldFile = join(scratch, 'old.pem');
    const newFile = join(scratch, 'new.pem');
    const previousFile = join(scratch, 'previous.pem');
    await writeFile(oldFile, pem(oldKey.privateKey, 'pkcs1'), { mode: 0o600 }); // private keys: owner-only, or the server refuses them
    await writeFile(newFile, pem(newKey.privateKey, 'pkcs8'), { mode: 0o600 });
    await writeFile(previousFile, pem(oldKey.publicKey, 'spki'));

    const first = await startTestApp({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: oldFile });
    const user = await signUpUser(first);
    const oldKid = jwt.decode(user.accessToken, { complete: true })!.header.kid;
    await first.stop({ keepDataDir: true });

    await withTestApp({
      DATA_DIR: first.dataDir,
      JWT_ALGORITHM: 'RS256',
      JWT_PRIVATE_KEY_FILE: newFile,
      JWT_PREVIOUS_PUBLIC_KEYS_FILE: previousFile,
    }, async (second) => {
      expect((await meWith(second, user.accessToken)).body.data!.me.id).toBe(user.user.id);
      const fresh = await signUpUser(second);
      const newKid = jwt.decode(fresh.accessToken, { complete: true })!.header.kid;
      expect(newKid).not.toBe(oldKid);
      expect((await second.jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    });

    // Without the previous key, the old tokens are refused.
    await withTestApp({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: newFile }, async (third) => {
      expectInvalid(await meWith(third, user.accessToken));
    });
  });
});

describe('HS256', () => {
  it('publishes an empty JWKS', async () => {
    await withTestApp({}, async (app) => {
      expect(await app.jwks()).toEqual({ keys: [] });
    });
  });
});
