import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalizeEmail, parseEmail } from '../../../src/users/user-input.js';

describe('normalizeEmail', () => {
  it('is idempotent: a normalised email normalises to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (raw) => {
        const once = normalizeEmail(raw);
        expect(normalizeEmail(once)).toBe(once);
      }),
      { numRuns: 2_000 },
    );
  });

  it('folds full-width forms, letter case and surrounding space, and maps İ as JavaScript does', () => {
    expect(normalizeEmail(' ＡＬＩＣＥ@Example.ＣＯＭ\t')).toBe('alice@example.com');
    expect(normalizeEmail('\u0130nes@example.com')).toBe('i\u0307nes@example.com');
    expect(normalizeEmail('\u212Aelvin@example.com')).toBe('kelvin@example.com');
  });

  it('parseEmail returns the normal form', () => {
    expect(parseEmail('  Bob@EXAMPLE.com ')).toBe('bob@example.com');
  });
});
