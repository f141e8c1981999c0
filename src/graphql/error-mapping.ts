import { ApolloServerValidationErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { describeDatabaseError, isDatabaseUnavailable } from '../db/database.js';
import { AppError, RateLimitedError, type AppErrorCode, type ContractCode, type ContractReason } from '../errors.js';

/** The contract's `extensions` for each domain error. A Record, so a new code cannot be forgotten. */
export const ERROR_EXTENSIONS: Record<AppErrorCode, { code: ContractCode; reason?: ContractReason }> = {
  TOKEN_MISSING: { code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' },
  TOKEN_INVALID: { code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' },
  TOKEN_EXPIRED: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
  SESSION_REVOKED: { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' },
  REFRESH_TOKEN_INVALID: { code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_INVALID' },
  REFRESH_TOKEN_REUSED: { code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_REUSED' },
  INVALID_CREDENTIALS: { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' },
  ACCOUNT_DISABLED: { code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' },
  // A resolver's answer (HTTP 200): the access token itself is fine.
  MFA_CODE_INVALID: { code: 'UNAUTHENTICATED', reason: 'MFA_CODE_INVALID' },
  FORBIDDEN: { code: 'FORBIDDEN' },
  EMAIL_NOT_VERIFIED: { code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' },
  MFA_REQUIRED: { code: 'FORBIDDEN', reason: 'MFA_REQUIRED' },
  REAUTH_REQUIRED: { code: 'FORBIDDEN', reason: 'REAUTH_REQUIRED' },
  NOT_FOUND: { code: 'NOT_FOUND' },
  INVALID_INPUT: { code: 'BAD_USER_INPUT' },
  EMAIL_TAKEN: { code: 'BAD_USER_INPUT', reason: 'EMAIL_TAKEN' },
  LAST_ADMIN: { code: 'BAD_USER_INPUT', reason: 'LAST_ADMIN' },
  PASSWORD_TOO_COMMON: { code: 'BAD_USER_INPUT', reason: 'PASSWORD_TOO_COMMON' },
  PASSWORD_CONTAINS_EMAIL: { code: 'BAD_USER_INPUT', reason: 'PASSWORD_CONTAINS_EMAIL' },
  EMAIL_TOKEN_INVALID: { code: 'BAD_USER_INPUT', reason: 'EMAIL_TOKEN_INVALID' },
  EMAIL_TOKEN_EXPIRED: { code: 'BAD_USER_INPUT', reason: 'EMAIL_TOKEN_EXPIRED' },
  RATE_LIMITED: { code: 'RATE_LIMITED' },
  // Retryable like a statement timeout: 503 with Retry-After (unavailableStatusPlugin).
  EXECUTION_TIMEOUT: { code: 'SERVICE_UNAVAILABLE', reason: 'EXECUTION_TIMEOUT' },
  SUBSCRIBER_TOO_SLOW: { code: 'SUBSCRIBER_TOO_SLOW' },
};

/** The `extensions` a client sees for a domain error. */
export function extensionsFor(error: AppError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { ...ERROR_EXTENSIONS[error.code] };
  if (error.field !== undefined) extensions.field = error.field;
  if (error instanceof RateLimitedError) extensions.retryAfter = error.retryAfterSeconds;
  return extensions;
}

export interface FormatErrorOptions {
  /** Replace the message of unexpected errors with a generic one. */
  maskInternalErrors: boolean;
  /** Receives each unexpected error, with its details, for the log. */
  onInternalError: (error: unknown) => void;
  /**
   * Drop graphql-js's "Did you mean …?" from messages: suggestions map the schema for
   * whoever asks. @default false
   */
  hideSuggestions?: boolean;
}

const INTERNAL_MESSAGE = 'Internal server error';
const UNAVAILABLE_MESSAGE = 'The database is unavailable. Try again shortly.';
// Seconds: the pool opens a new connection on the next request, so retrying soon is right.
const RETRY_AFTER_SECONDS = '1';

/** What the context function throws when the database cannot be reached: a 503 before any resolver runs. */
export function serviceUnavailableError(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      http: { status: 503, headers: new HeaderMap([['retry-after', RETRY_AFTER_SECONDS]]) },
    },
  });
}

/**
 * Apollo's formatError: the one place where every error becomes what a client sees.
 * Domain errors get their contract code; Apollo's own coded errors (parse, validation,
 * bad variables, our context's 401) pass unchanged; anything else is
 * INTERNAL_SERVER_ERROR, logged, and masked in production. It never throws.
 */
export function createFormatError(options: FormatErrorOptions) {
  const format = withOwnIntrospectionMessage(formatFor(options));
  if (options.hideSuggestions !== true) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    // The pattern Apollo's ApolloServerPluginDisableSuggestions removes; here it holds for
    // every transport and every error (bad enum values in variables suggest too).
    const message = result.message.replace(/ ?Did you mean(.+?)\?$/, '');
    return message === result.message ? result : { ...result, message };
  };
}

// Apollo's refusal tells the operator to pass an option to its constructor, which our
// users do not write: they set a variable.
const INTROSPECTION_DISABLED_MESSAGE =
  'Introspection is off on this server (the default when NODE_ENV=production): start it with ENABLE_INTROSPECTION=true to allow __schema and __type.';

function withOwnIntrospectionMessage(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    return result.extensions?.validationErrorCode === ApolloServerValidationErrorCode.INTROSPECTION_DISABLED
      ? { ...result, message: INTROSPECTION_DISABLED_MESSAGE }
      : result;
  };
}

function formatFor(options: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // A resolver's error has a path; one from a subscription's event stream (a slow
    // subscriber) reaches graphql-ws's onError wrapped without one.
    const unwrapped = unwrapResolverError(error);
    const original = unwrapped instanceof GraphQLError && unwrapped.originalError instanceof AppError ? unwrapped.originalError : unwrapped;
    if (original instanceof AppError) {
      return { ...formatted, message: original.message, extensions: extensionsFor(original) };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    // Apollo's own refusals with a 4xx status and no code (a persisted query whose hash does
    // not match its text): the client's mistake, not an internal error to log.
    const http = original instanceof GraphQLError ? (original.extensions.http as { status?: number } | undefined) : undefined;
    if (http?.status !== undefined && http.status >= 400 && http.status < 500) {
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
    options.onInternalError(original);
    if (isDatabaseUnavailable(original)) {
      return {
        message: UNAVAILABLE_MESSAGE,
        ...(formatted.path && { path: formatted.path }),
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    }
    // A failed query's message quotes its parameters (password and token hashes): even in
    // development the client sees only the driver's own words; the log has the SQL.
    const database = describeDatabaseError(original);
    const developmentMessage = database === undefined ? formatted.message : `Database query failed: ${String(database.message)}`;
    return {
      message: options.maskInternalErrors ? INTERNAL_MESSAGE : developmentMessage,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/**
 * A response carrying SERVICE_UNAVAILABLE is a 503 with Retry-After, so that load balancers
 * and clients see a retryable failure. (Apollo fixes the status before formatError runs.)
 */
export function unavailableStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER_SECONDS);
        },
      };
    },
  };
}
