import { describe, expect, it } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import { matchTotpStep, TOTP_PARAMETERS } from '../../../../src/modules/mfa/totp.js';

// RFC 6238 Appendix B, the SHA-1 rows: the ASCII secret "12345678901234567890", 8 digits.
const RFC_SECRET = Secret.fromLatin1('12345678901234567890');
const RFC_VECTORS: ReadonlyArray<[seconds: number, code: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('computes the RFC 6238 Appendix B SHA-1 test vectors with our parameters at 8 digits', () => {
    const totp = new TOTP({ ...TOTP_PARAMETERS, digits: 8, secret: RFC_SECRET });
    for (const [seconds, code] of RFC_VECTORS) {
      expect(totp.generate({ timestamp: seconds * 1000 })).toBe(code);
    }
  });

  it('accepts the vectors\' 6-digit codes (their last six digits) at their own step, and names the step', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      expect(matchTotpStep(RFC_SECRET.base32, code.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
    }
  });

  it('accepts a code one step either side and refuses it two steps away', () => {
    const [seconds, code] = [1234567890, '005924'];
    const step = Math.floor(seconds / 30);
    expect(matchTotpStep(RFC_SECRET.base32, code, (seconds + 30) * 1000)).toBe(step);
    expect(matchTotpStep(RFC_SECRET.base32, code, (seconds - 30) * 1000)).toBe(step);
    expect(matchTotpStep(RFC_SECRET.base32, code, (seconds + 60) * 1000)).toBeNull();
    expect(matchTotpStep(RFC_SECRET.base32, code, (seconds - 60) * 1000)).toBeNull();
  });

  it('refuses malformed codes before computing anything', () => {
    for (const code of ['', '12345', '1234567', '00592a', ' 005924', '005924 ', '٠٠٥٩٢٤', '+05924']) {
      expect(matchTotpStep(RFC_SECRET.base32, code, 1234567890 * 1000)).toBeNull();
    }
  });
});
