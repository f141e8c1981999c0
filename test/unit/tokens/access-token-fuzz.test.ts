import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AuthenticationError } from '../../../src/errors.js';
import { createAccessTokens } from '../../../src/tokens/access-token.js';
import type { SigningKey } from '../../../src/tokens/signing-key.js';
import { tokenMutation } from '../../helpers/token-mutations.js';

const secret = createSecretKey(randomBytes(32));
const key: SigningKey = {
  algorithm: 'HS256',
  signingKey: secret,
  kid: undefined,
  verificationKeys: new Map([['', secret]]),
  jwks: { keys: [] },
  source: 'environment',
};
const tokens = createAccessTokens({ key, issuer: 'gatehouse', audience: 'gatehouse', ttlSeconds: 900 });
const valid = tokens.sign({ userId: 'u', sessionId: 's', role: 'USER', scope: 'read write', authTime: Math.floor(Date.now() / 1000), aal: 1, amr: ['pwd'] }).token;

describe('access token verification under fuzzing', () => {
  it('accepts the untouched token', () => {
    expect(tokens.verify(valid).sub).toBe('u');
  });

  it('rejects every mutated token with TOKEN_INVALID and never throws anything else (20,000 cases)', () => {
    fc.assert(
      fc.property(tokenMutation(valid), (mutated) => {
        fc.pre(mutated !== valid);
        try {
          tokens.verify(mutated);
        } catch (error) {
          return error instanceof AuthenticationError && error.code === 'TOKEN_INVALID';
        }
        return false;
      }),
      { numRuns: 20_000 },
    );
  });
});
