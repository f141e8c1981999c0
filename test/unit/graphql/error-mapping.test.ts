import { readFileSync } from 'node:fs';
import { describe, expect, it, jest } from '@jest/globals';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { AppError, InputError } from '../../../src/errors.js';
import { createFormatError, ERROR_EXTENSIONS } from '../../../src/graphql/error-mapping.js';

const asResolverError = (original: Error) =>
  new GraphQLError(original.message, { path: ['field'], originalError: original });

describe('formatError', () => {
  it('maps a domain error to its contract code, reason and field', () => {
    const format = createFormatError({ maskInternalErrors: true, onInternalError: () => {} });
    const error = asResolverError(new InputError('EMAIL_TAKEN', 'email', 'This email address is already registered.'));
    expect(format({ message: error.message, path: ['field'] }, error)).toEqual({
      message: 'This email address is already registered.',
      path: ['field'],
      extensions: { code: 'BAD_USER_INPUT', reason: 'EMAIL_TAKEN', field: 'email' },
    });
  });

  it('masks an unexpected error in production and hands it to the log', () => {
    const onInternalError = jest.fn();
    const format = createFormatError({ maskInternalErrors: true, onInternalError });
    const original = new Error('relation "users" does not exist');
    const error = asResolverError(original);
    const formatted = format({ message: error.message, path: ['field'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(formatted).toEqual({ message: 'Internal server error', path: ['field'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(onInternalError).toHaveBeenCalledWith(original);
  });

  it('keeps the message of an unexpected error in development, without a stack', () => {
    const format = createFormatError({ maskInternalErrors: false, onInternalError: () => {} });
    const error = asResolverError(new TypeError('boom'));
    expect(format({ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } }, error)).toEqual({
      message: 'boom',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it("never sends a failed query's parameters, even in development: only the driver's message", () => {
    const format = createFormatError({ maskInternalErrors: false, onInternalError: () => {} });
    // What drizzle throws: its message quotes the SQL and the parameters (here a password hash).
    const failed = Object.assign(
      new Error('Failed query: update users set password_hash = $1\nparams: $argon2id$v=19$secret-hash', {
        cause: Object.assign(new Error('value too long for type character varying(10)'), { code: '22001' }),
      }),
      { query: 'update users set password_hash = $1', params: ['$argon2id$v=19$secret-hash'] },
    );
    const error = asResolverError(failed);
    const formatted = format({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(formatted).toEqual({
      message: 'Database query failed: value too long for type character varying(10)',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('answers SERVICE_UNAVAILABLE when the database cannot be reached, in either mode', () => {
    for (const maskInternalErrors of [true, false]) {
      const format = createFormatError({ maskInternalErrors, onInternalError: () => {} });
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const error = asResolverError(refused);
      expect(format({ message: error.message, path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)).toEqual({
        message: 'The database is unavailable. Try again shortly.',
        path: ['me'],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    }
  });

  it("passes Apollo's own coded errors through", () => {
    const format = createFormatError({ maskInternalErrors: true, onInternalError: () => {} });
    const formatted = { message: 'Cannot query field "x".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
    expect(format(formatted, new GraphQLError(formatted.message))).toBe(formatted);
  });

  it('maps every domain code and reason to one that docs/errors.md lists, under the same code', () => {
    const { codes, reasons } = documentedErrors();
    for (const { code, reason } of Object.values(ERROR_EXTENSIONS)) {
      expect(codes).toContain(code);
      if (reason !== undefined) expect(reasons.get(reason)).toBe(code);
    }
  });

  it("lists Apollo's own codes and the ones this server adds outside the table in docs/errors.md", () => {
    const { codes } = documentedErrors();
    // PERSISTED_QUERY_NOT_SUPPORTED only when persisted queries are switched off, and they are on.
    const apollo = Object.values(ApolloServerErrorCode).filter((code) => code !== 'PERSISTED_QUERY_NOT_SUPPORTED');
    const ours = ['SERVICE_UNAVAILABLE', 'SUBSCRIBER_TOO_SLOW', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
    for (const code of [...apollo, ...ours]) expect(codes).toContain(code);
  });

  it('gives every AppError code an entry (a Record: the compiler checks, this documents)', () => {
    expect(new AppError('NOT_FOUND', 'x').code in ERROR_EXTENSIONS).toBe(true);
  });
});

/** The first column of docs/errors.md's `code` table, and its `reason` table as reason → code. */
function documentedErrors(): { codes: string[]; reasons: Map<string, string> } {
  const markdown = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const table = (firstColumn: string): string[][] => {
    const lines = markdown.split('\n');
    const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(line));
    expect(start).toBeGreaterThanOrEqual(0);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')));
    }
    expect(rows.length).toBeGreaterThan(0);
    return rows;
  };
  return {
    codes: table('code').map(([code]) => code!),
    reasons: new Map(table('reason').map(([reason, code]) => [reason!, code!])),
  };
}
