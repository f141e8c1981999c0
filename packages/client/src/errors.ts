import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import type { GraphQLFormattedError } from 'graphql';

// Gatehouse's `extensions.reason` values (its docs/errors.md, "Reasons"); a test keeps the two lists equal.
const GATEHOUSE_REASONS = [
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'SESSION_REVOKED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_DISABLED',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'EMAIL_TAKEN',
  'PASSWORD_TOO_COMMON',
  'PASSWORD_CONTAINS_EMAIL',
  'LAST_ADMIN',
  'EMAIL_TOKEN_INVALID',
  'EMAIL_TOKEN_EXPIRED',
  'EMAIL_NOT_VERIFIED',
  'EXECUTION_TIMEOUT',
  'MFA_REQUIRED',
  'REAUTH_REQUIRED',
  'MFA_CODE_INVALID',
  'RESPONSE_TOO_LARGE',
] as const;

/** A finer cause the server gives beside `extensions.code`: what to tell or ask the user. */
export type GatehouseReason = (typeof GATEHOUSE_REASONS)[number];

const KNOWN_REASONS: ReadonlySet<string> = new Set(GATEHOUSE_REASONS);

/**
 * The GraphQL errors in a result, a `CombinedGraphQLErrors`, a `ServerError` whose body is
 * GraphQL JSON (a 401 asked for as `application/json`), or one GraphQL error.
 */
export function graphQLErrorsOf(resultOrError: unknown): readonly GraphQLFormattedError[] {
  if (CombinedGraphQLErrors.is(resultOrError)) return resultOrError.errors;
  if (ServerError.is(resultOrError)) {
    try {
      return graphQLErrorsOf(JSON.parse(resultOrError.bodyText));
    } catch {
      return [];
    }
  }
  if (typeof resultOrError !== 'object' || resultOrError === null) return [];
  if ('errors' in resultOrError) return Array.isArray(resultOrError.errors) ? (resultOrError.errors as GraphQLFormattedError[]) : [];
  if ('extensions' in resultOrError && 'message' in resultOrError) return [resultOrError as GraphQLFormattedError];
  return [];
}

/**
 * The `reason` of the first error that has one, in whatever Apollo Client hands the app
 * (`result.error`, a rejected `mutate`, one GraphQL error); undefined when there is none,
 * or it is one this version of the kit does not know.
 */
export function gatehouseErrorReason(error: unknown): GatehouseReason | undefined {
  for (const { extensions } of graphQLErrorsOf(error)) {
    const reason = extensions?.reason;
    if (typeof reason === 'string' && KNOWN_REASONS.has(reason)) return reason as GatehouseReason;
  }
  return undefined;
}
