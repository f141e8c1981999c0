import { describe, expect, it } from '@jest/globals';
import { isDatabaseUnavailable } from '../../../src/db/database.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
// What drizzle throws: its message quotes the query and its parameters, the driver's error is the cause.
const failedQuery = (cause: unknown, params = '') =>
  Object.assign(new Error(`Failed query: select 1\nparams: ${params}`, { cause }), { query: 'select 1', params: [] });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection, as the cause of a failed query', failedQuery(withCode('ECONNREFUSED'))],
    ['every address refused (AggregateError)', failedQuery(Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { code: 'ECONNREFUSED' }))],
    ['the server shutting down (57P01)', failedQuery(withCode('57P01', 'terminating connection due to administrator command'))],
    ['a connection exception (class 08)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['a statement timeout (57014)', failedQuery(withCode('57014', 'canceling statement due to statement timeout'))],
    ['a connection that dropped', failedQuery(new Error('Connection terminated unexpectedly'))],
    ['the pool timing out', new Error('timeout exceeded when trying to connect')],
  ])('is true for %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', failedQuery(withCode('23505', 'duplicate key value'))],
    ['a syntax error (42601)', failedQuery(withCode('42601'))],
    ['a failed query whose parameters merely mention a refused connection', failedQuery(withCode('22P02'), 'Connection refused')],
    ['something that is not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('is false for %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
