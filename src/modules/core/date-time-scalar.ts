import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { CONTRACT_CODE } from '../../errors.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value === 'string' && ISO_DATE_TIME.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('A DateTime must be an ISO 8601 string such as "2026-11-22T14:25:50Z".', {
    extensions: { code: CONTRACT_CODE.BAD_USER_INPUT },
  });
}

/** DateTime: serialised as ISO 8601 in UTC. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent an invalid date.');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    return parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined);
  },
});
