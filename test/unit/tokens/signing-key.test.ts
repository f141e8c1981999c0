import { describe, expect, it } from '@jest/globals';
import { jwkThumbprint } from '../../../src/tokens/signing-key.js';

describe('jwkThumbprint', () => {
  it('matches the worked example of RFC 7638 §3.1', () => {
    const jwk = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('ignores members other than the required ones', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' };
    expect(jwkThumbprint({ ...jwk, kid: 'x', use: 'sig', alg: 'ES256' })).toBe(jwkThumbprint(jwk));
  });
});
