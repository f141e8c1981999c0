import { describe, expect, it } from '@jest/globals';
import { createPasswordHasher } from '../../../src/auth/password.js';

describe('password hashing', () => {
  it('uses argon2id with the OWASP parameters (m=19456 KiB, t=2, p=1)', async () => {
    const passwords = await createPasswordHasher();
    const hash = await passwords.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain('correct horse battery');
  });

  it('verifies the right password only', async () => {
    const passwords = await createPasswordHasher();
    const hash = await passwords.hash('correct horse battery');
    await expect(passwords.verify(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(passwords.verify(hash, 'Correct horse battery')).resolves.toBe(false);
  });

  it('answers false, never throws, for a malformed stored hash', async () => {
    const passwords = await createPasswordHasher();
    await expect(passwords.verify('not a hash', 'whatever')).resolves.toBe(false);
  });

  it('never matches the dummy hash', async () => {
    const passwords = await createPasswordHasher();
    await expect(passwords.verifyDummy('')).resolves.toBe(false);
  });
});
