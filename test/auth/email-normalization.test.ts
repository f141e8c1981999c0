import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LOGIN, outcome, PASSWORD, SIGN_UP, useTestApp } from '../helpers/test-app.js';

// Three failures per (email, address): every variant below must spend the same three.
const app = useTestApp({ LOGIN_MAX_FAILURES: '3' });

const INVALID = { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' };

/** Full-width forms (U+FF01…U+FF5E) of the printable ASCII in `text`. */
function fullWidth(text: string): string {
  return text.replace(/[!-~]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
}

async function userIdOf(email: string, password = PASSWORD): Promise<string | Record<string, unknown>> {
  const response = await app.graphql(LOGIN, { email, password });
  return (response.body.data?.login?.user?.id as string | undefined) ?? (outcome(response) as Record<string, unknown>);
}

describe('email normalisation', () => {
  it('stores the normal form: trimmed, NFKC, lower-cased', async () => {
    const id = randomUUID().slice(0, 8);
    const { body } = await app.graphql(SIGN_UP, { email: ` ${fullWidth(`Mixed.Case-${id}`)}@Example.COM\t`, password: PASSWORD });
    expect(body.data!.signUp.user.email).toBe(`mixed.case-${id}@example.com`);
  });

  it('finds one account, and counts one failure budget, under case and full-width variants', async () => {
    const local = `iris-${randomUUID().slice(0, 8)}`;
    const email = `${local}@example.com`;
    const signUp = await app.graphql(SIGN_UP, { email, password: PASSWORD });
    const userId = signUp.body.data!.signUp.user.id as string;
    const variants = [email.toUpperCase(), fullWidth(email), `${fullWidth(local.toUpperCase())}@example.com`];

    for (const variant of variants) expect(await userIdOf(variant)).toBe(userId);
    for (const variant of variants) {
      expect(outcome(await app.graphql(SIGN_UP, { email: variant, password: PASSWORD }))).toMatchObject({ reason: 'EMAIL_TAKEN' });
    }
    for (const variant of variants) expect(await userIdOf(variant, 'not the password')).toEqual(INVALID);
    // Three failures, under three spellings: the one counter is spent.
    expect(await userIdOf(email)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('treats İ (U+0130) as JavaScript lower-cases it, the same in every spelling and in the counter', async () => {
    const rest = `nes-${randomUUID().slice(0, 8)}@example.com`;
    const dotted = `\u0130${rest}`; // İnes-…
    const signUp = await app.graphql(SIGN_UP, { email: dotted.toUpperCase(), password: PASSWORD });
    const userId = signUp.body.data!.signUp.user.id as string;
    // i + COMBINING DOT ABOVE: what "İ".toLowerCase() is.
    expect(signUp.body.data!.signUp.user.email).toBe(`i\u0307${rest}`);
    const variants = [dotted, `i\u0307${rest}`, `\u0130${fullWidth(rest.toUpperCase())}`];

    for (const variant of variants) expect(await userIdOf(variant)).toBe(userId);
    // A plain "i" is another address, whatever PostgreSQL's lower() would say.
    expect(await userIdOf(`i${rest}`)).toEqual(INVALID);
    for (const variant of variants) expect(await userIdOf(variant, 'not the password')).toEqual(INVALID);
    expect(await userIdOf(dotted)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it.each([
    ['a zero-width space', 'a\u200Bb@example.com'],
    ['a right-to-left override', 'a\u202Eb@example.com'],
    ['a control character', 'a\u0007b@example.com'],
    ['a zero-width no-break space', 'a\uFEFFb@example.com'],
  ])('refuses an email holding %s at sign-up', async (_label, email) => {
    expect(outcome(await app.graphql(SIGN_UP, { email, password: PASSWORD }))).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
  });
});
