import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { loadCommonPasswords, screenNewPassword } from '../../../src/auth/password-screening.js';

describe('the common-password list', () => {
  it('is the shipped top 10,000, lower-cased, read once', () => {
    const list = loadCommonPasswords();
    // 10,000 lines; a few differ only in case and fold together.
    expect(list.size).toBeGreaterThan(9_900);
    expect(list.size).toBeLessThanOrEqual(10_000);
    expect(list.has('password1')).toBe(true);
    expect(list.has('')).toBe(false);
    expect(loadCommonPasswords()).toBe(list);
  });

  it('refuses with a coded InputError on the given field', () => {
    expect(thrown(() => screenNewPassword('Qwerty123', 'a@b.example', 'newPassword'))).toMatchObject({
      code: 'PASSWORD_TOO_COMMON',
      field: 'newPassword',
    });
    expect(thrown(() => screenNewPassword('zz-JOHN.DOE-zz', 'john.doe@b.example'))).toMatchObject({
      code: 'PASSWORD_CONTAINS_EMAIL',
      field: 'password',
    });
    expect(() => screenNewPassword('lantern orbit 42 quietly', 'john.doe@b.example')).not.toThrow();
  });
});

function thrown(run: () => void): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, nothing was thrown');
}
