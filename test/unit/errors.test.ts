import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import ts from 'typescript';
import {
  AuthenticationError,
  CONTRACT_CODES,
  CONTRACT_REASONS,
  NotFoundError,
  SubscriberTooSlowError,
} from '../../src/errors.js';
import { createFormatError, ERROR_EXTENSIONS } from '../../src/graphql/error-mapping.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
// The catalogue and the one table that maps domain codes onto it.
const HOMES = new Set(['errors.ts', 'graphql/error-mapping.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__generated__' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const codes = new Set<string>(CONTRACT_CODES);

/** Every string literal in a file (quoted or a template without substitutions), as the compiler reads them. */
function stringLiterals(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const literals: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return literals;
}

describe('the contract codes', () => {
  it('are written as string literals only in src/errors.ts and src/graphql/error-mapping.ts', () => {
    const found = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((path) => !HOMES.has(path))
      .flatMap((path) =>
        stringLiterals(join(SRC, path))
          .filter((literal) => codes.has(literal))
          .map((literal) => `${path}: '${literal}'`),
      );
    expect(found).toEqual([]);
  });

  it('include every code and reason the error table can produce', () => {
    for (const { code, reason } of Object.values(ERROR_EXTENSIONS)) {
      expect(CONTRACT_CODES).toContain(code);
      if (reason !== undefined) expect(CONTRACT_REASONS).toContain(reason);
    }
  });

  it('are listed once each', () => {
    expect(new Set(CONTRACT_CODES).size).toBe(CONTRACT_CODES.length);
    expect(new Set(CONTRACT_REASONS).size).toBe(CONTRACT_REASONS.length);
  });

  it('come with a default message, so a thrower names only the code', () => {
    expect(new AuthenticationError('SESSION_REVOKED')).toMatchObject({
      code: 'SESSION_REVOKED',
      message: 'The session has ended. Log in again.',
    });
    expect(new NotFoundError()).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
    expect(new SubscriberTooSlowError()).toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW', message: expect.stringMatching(/subscribe again/) });
  });

  it('reach a socket client for an error from the event stream, as graphql-ws wraps it (no path), in production', () => {
    const format = createFormatError({ maskInternalErrors: true, hideSuggestions: true, onInternalError: () => {} });
    const tooSlow = new SubscriberTooSlowError();
    const wrapped = new GraphQLError(tooSlow.message, { originalError: tooSlow });
    expect(format(wrapped.toJSON(), wrapped)).toEqual({
      message: tooSlow.message,
      extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
    });
  });
});
