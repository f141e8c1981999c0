import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { createAccessTokens } from '../../../src/tokens/access-token.js';
import type { SigningKey } from '../../../src/tokens/signing-key.js';

const secret = randomBytes(32);
const key: SigningKey = {
  algorithm: 'HS256',
  signingKey: createSecretKey(secret),
  kid: undefined,
  verificationKeys: new Map([['', createSecretKey(secret)]]),
  jwks: { keys: [] },
  source: 'environment',
};
const T0 = 1_800_000_000;
const subject = { userId: 'u-1', sessionId: 's-1', role: 'USER', scope: 'read write', authTime: T0 - 30, aal: 1, amr: ['pwd'] } as const;

function tokensAt(seconds: number) {
  return createAccessTokens({ key, issuer: 'gatehouse', audience: 'gatehouse', ttlSeconds: 900, now: () => seconds });
}

describe('access tokens', () => {
  it('signs the RFC 9068 header and the contract claims, and verifies them back', () => {
    const { token, expiresIn } = tokensAt(T0).sign(subject);
    expect(expiresIn).toBe(900);
    expect(jwt.decode(token, { complete: true })!.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(tokensAt(T0).verify(token)).toEqual({
      iss: 'gatehouse',
      aud: 'gatehouse',
      sub: 'u-1',
      sid: 's-1',
      jti: expect.any(String),
      iat: T0,
      exp: T0 + 900,
      role: 'USER',
      scope: 'read write',
      auth_time: T0 - 30,
      aal: 1,
      amr: ['pwd'],
    });
  });

  it('never lets a token outlive notAfter (its session\'s absolute end), and says so in expiresIn', () => {
    const near = tokensAt(T0).sign({ ...subject, notAfter: T0 + 60 });
    expect(near.expiresIn).toBe(60);
    expect(jwt.decode(near.token)).toMatchObject({ iat: T0, exp: T0 + 60 });
    const far = tokensAt(T0).sign({ ...subject, notAfter: T0 + 100_000 });
    expect(far.expiresIn).toBe(900);
    // At or past the end: a token with no time left, never one past it.
    const ended = tokensAt(T0).sign({ ...subject, notAfter: T0 - 5 });
    expect(ended.expiresIn).toBe(0);
    expect(jwt.decode(ended.token)).toMatchObject({ iat: T0, exp: T0 });
  });

  it('gives every token its own jti', () => {
    const a = tokensAt(T0).verify(tokensAt(T0).sign(subject).token);
    const b = tokensAt(T0).verify(tokensAt(T0).sign(subject).token);
    expect(a.jti).not.toBe(b.jti);
  });

  it('refuses a token signed with our key whose auth_time, aal or amr is missing or mistyped', () => {
    const forge = (claims: Record<string, unknown>) =>
      jwt.sign(
        { sub: 'u-1', sid: 's-1', jti: 'j', role: 'USER', scope: 'read write', iat: T0, exp: T0 + 900, auth_time: T0, aal: 2, amr: ['pwd', 'otp'], ...claims },
        secret,
        { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' }, issuer: 'gatehouse', audience: 'gatehouse' },
      );
    expect(tokensAt(T0).verify(forge({})).amr).toEqual(['pwd', 'otp']);
    const bad = [
      { auth_time: undefined },
      { auth_time: '1800000000' },
      { auth_time: T0 + 0.5 },
      { aal: undefined },
      { aal: 3 },
      { aal: '2' },
      { amr: undefined },
      { amr: 'pwd' },
      { amr: [] },
      { amr: ['pwd', 1] },
      { amr: [''] },
      { amr: Array.from({ length: 9 }, () => 'pwd') },
    ];
    for (const claims of bad) {
      expect(() => tokensAt(T0).verify(forge(claims))).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    }
  });

  it('refuses a token signed with our key whose lifetime exceeds the configured one, or issued in the future', () => {
    const forge = (claims: { iat: number; exp: number }) =>
      jwt.sign({ sub: 'u-1', sid: 's-1', jti: 'j', role: 'USER', scope: 'read write', auth_time: T0, aal: 1, amr: ['pwd'], ...claims }, secret, {
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: 'at+jwt' },
        issuer: 'gatehouse',
        audience: 'gatehouse',
      });
    expect(tokensAt(T0).verify(forge({ iat: T0, exp: T0 + 900 })).sub).toBe('u-1');
    for (const claims of [{ iat: T0, exp: T0 + 901 }, { iat: T0, exp: T0 + 10 * 365 * 86_400 }, { iat: T0 + 60, exp: T0 + 960 }]) {
      expect(() => tokensAt(T0).verify(forge(claims))).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    }
  });

  it('accepts a token for less than 5 seconds after exp (clock tolerance)', () => {
    const { token } = tokensAt(T0).sign(subject);
    expect(tokensAt(T0 + 904).verify(token).sub).toBe('u-1');
  });

  // RFC 7519 §4.1.4: exp is the time "on or after which the JWT MUST NOT be accepted".
  it('rejects a token from 5 seconds after exp on, as TOKEN_EXPIRED', () => {
    const { token } = tokensAt(T0).sign(subject);
    expect(() => tokensAt(T0 + 905).verify(token)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });

  it('expires a token it has already verified once (the verified-token cache checks the clock)', () => {
    let clock = T0;
    const tokens = createAccessTokens({ key, issuer: 'gatehouse', audience: 'gatehouse', ttlSeconds: 900, now: () => clock });
    const { token } = tokens.sign(subject);
    expect(tokens.verify(token).sub).toBe('u-1');
    clock = T0 + 904;
    expect(tokens.verify(token).sub).toBe('u-1');
    clock = T0 + 905;
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });

  it('does not let a cached token vouch for another spelling of it', () => {
    const tokens = tokensAt(T0);
    const { token } = tokens.sign(subject);
    tokens.verify(token);
    const [head, body, signature] = token.split('.');
    expect(() => tokens.verify(`${head}.${body}.${signature!.slice(0, -1)}`)).toThrow(
      expect.objectContaining({ code: 'TOKEN_INVALID' }),
    );
  });

  it('rejects a token longer than 8 KiB without parsing it', () => {
    expect(() => tokensAt(T0).verify('a'.repeat(8 * 1024 + 1))).toThrow(
      expect.objectContaining({ code: 'TOKEN_INVALID' }),
    );
  });

  it('accepts the media-type spelling "application/at+jwt" (RFC 9068 §4)', () => {
    const claims = { iss: 'gatehouse', aud: 'gatehouse', sub: 'u', sid: 's', jti: 'j', iat: T0, exp: T0 + 60, role: 'USER', scope: 'read', auth_time: T0, aal: 1, amr: ['pwd'] };
    const token = jwt.sign(claims, secret, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'application/at+jwt' } });
    expect(tokensAt(T0).verify(token).sub).toBe('u');
  });

  it('rejects a token whose claims have the wrong types', () => {
    const claims = { iss: 'gatehouse', aud: 'gatehouse', sub: 'u', sid: 's', jti: 'j', iat: T0, exp: T0 + 60, role: 'USER', scope: ['read'], auth_time: T0, aal: 1, amr: ['pwd'] };
    const token = jwt.sign(claims, secret, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } });
    expect(() => tokensAt(T0).verify(token)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
  });
});
