import { describe, expect, it } from '@jest/globals';
import { parse } from 'graphql';
import { REDACTED, redactDocument, redactVariables } from '../../../src/graphql/operation-log.js';

describe('redactVariables', () => {
  it('redacts a variable by the argument it feeds, whatever the client named it', () => {
    const document = parse('mutation ($a: String!, $b: String!, $e: String!) { changePassword(currentPassword: $a, newPassword: $b) { accessToken } login(email: $e, password: $a) { accessToken } }');
    expect(redactVariables(document, { a: 'old', b: 'new', e: 'me@example.com' })).toEqual({
      a: REDACTED,
      b: REDACTED,
      e: 'me@example.com',
    });
  });

  it('redacts by input field name and by secret-looking keys at any depth', () => {
    const document = parse('query ($x: String, $y: String) { __typename }');
    const redacted = redactVariables(document, {
      refreshToken: 'r',
      x: { nested: { password: 'p', apiKey: 'k', Authorization: 'Bearer t', keep: 1 } },
    });
    expect(redacted).toEqual({
      refreshToken: REDACTED,
      x: { nested: { password: REDACTED, apiKey: REDACTED, Authorization: REDACTED, keep: 1 } },
    });
  });

  it('bounds the depth it walks, so hostile nesting costs nothing', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const redacted = redactVariables(parse('{ __typename }'), { deep }) as Record<string, unknown>;
    expect(JSON.stringify(redacted)).toBe('{"deep":{"d":{"d":{"d":{"d":{"d":"[…]"}}}}}}');
  });
});

describe('redactDocument', () => {
  it('replaces every string literal, so an inline password never reaches the log', () => {
    const document = parse('mutation { login(email: "a@b.co", password: """hunter2""") { accessToken } }');
    const text = redactDocument(document);
    expect(text).not.toMatch(/hunter2|a@b\.co/);
    expect(text).toContain(`password: "${REDACTED}"`);
  });
});
