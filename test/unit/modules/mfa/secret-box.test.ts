import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createSecretBox } from '../../../../src/modules/mfa/secret-box.js';

describe('secret box (TOTP secrets at rest)', () => {
  const key = randomBytes(32);
  const userId = randomUUID();
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('opens what it sealed, and the sealed text holds nothing of the secret', () => {
    const sealed = createSecretBox(key).seal(secret, userId);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(createSecretBox(key).open(sealed, userId)).toBe(secret);
    // A fresh IV each time: equal secrets do not look equal.
    expect(createSecretBox(key).seal(secret, userId)).not.toBe(sealed);
  });

  it('opens nothing under another key, for another user, or once altered', () => {
    const sealed = createSecretBox(key).seal(secret, userId);
    expect(createSecretBox(randomBytes(32)).open(sealed, userId)).toBeNull();
    expect(createSecretBox(key).open(sealed, randomUUID())).toBeNull();
    const [version, iv, body, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0]! ^= 1;
    expect(createSecretBox(key).open([version, iv, flipped.toString('base64url'), tag].join('.'), userId)).toBeNull();
    expect(createSecretBox(key).open([version, iv, body].join('.'), userId)).toBeNull();
    expect(createSecretBox(key).open(`v2.${iv}.${body}.${tag}`, userId)).toBeNull();
    expect(createSecretBox(key).open('', userId)).toBeNull();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow('32 bytes');
  });
});
