/**
 * The domain's error catalogue and the contract's codes. Domain code throws these;
 * `graphql/error-mapping.ts` turns each code into the contract's `extensions.code` (and
 * `reason`), so a caller can `switch (err.code)` and never parse a message.
 */

/**
 * Every `extensions.code` a client can receive, over HTTP or WebSocket. Apollo's own:
 * GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT (bad variables),
 * BAD_REQUEST, PERSISTED_QUERY_NOT_FOUND (automatic persisted queries are on, so
 * PERSISTED_QUERY_NOT_SUPPORTED never is sent), OPERATION_RESOLUTION_FAILURE (an unknown
 * operationName) and INTERNAL_SERVER_ERROR.
 */
export const CONTRACT_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'SUBSCRIBER_TOO_SLOW',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

/** A contract `extensions.code`. */
export type ContractCode = (typeof CONTRACT_CODES)[number];

/** Every `extensions.reason` (and WebSocket 4401 close reason) a client can receive. */
export const CONTRACT_REASONS = [
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_DISABLED',
  'EMAIL_TAKEN',
  'LAST_ADMIN',
  'PASSWORD_TOO_COMMON',
  'PASSWORD_CONTAINS_EMAIL',
  'EMAIL_TOKEN_INVALID',
  'EMAIL_TOKEN_EXPIRED',
  'EMAIL_NOT_VERIFIED',
  'EXECUTION_TIMEOUT',
  'RESPONSE_TOO_LARGE',
  'MFA_REQUIRED',
  'MFA_CODE_INVALID',
  'REAUTH_REQUIRED',
] as const;

/** A contract `extensions.reason`: which way a request was UNAUTHENTICATED or its input bad. */
export type ContractReason = (typeof CONTRACT_REASONS)[number];

/** The contract codes by name, for code outside this file: `CONTRACT_CODE.BAD_REQUEST`. */
export const CONTRACT_CODE = Object.freeze(
  Object.fromEntries(CONTRACT_CODES.map((code) => [code, code])) as { readonly [C in ContractCode]: C },
);

/** The contract reasons by name, for code outside this file: `CONTRACT_REASON.TOKEN_EXPIRED`. */
export const CONTRACT_REASON = Object.freeze(
  Object.fromEntries(CONTRACT_REASONS.map((reason) => [reason, reason])) as { readonly [R in ContractReason]: R },
);

export type AppErrorCode =
  | AuthenticationErrorCode
  | 'FORBIDDEN'
  | ForbiddenReason
  | 'MFA_REQUIRED'
  | 'REAUTH_REQUIRED'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'EMAIL_TAKEN'
  | 'LAST_ADMIN'
  | PasswordScreeningCode
  | 'EMAIL_TOKEN_INVALID'
  | 'EMAIL_TOKEN_EXPIRED'
  | 'RATE_LIMITED'
  | 'EXECUTION_TIMEOUT'
  | 'SUBSCRIBER_TOO_SLOW';

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** The argument at fault, for input errors. */
  readonly field: string | undefined;

  constructor(code: AppErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
  }
}

/** Who the caller is could not be established: the contract's UNAUTHENTICATED reasons. */
export type AuthenticationErrorCode = Extract<
  ContractReason,
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'SESSION_REVOKED'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'MFA_CODE_INVALID'
>;

const AUTHENTICATION_MESSAGES: Record<AuthenticationErrorCode, string> = {
  TOKEN_MISSING: 'This requires an access token.',
  TOKEN_INVALID: 'The access token is invalid.',
  TOKEN_EXPIRED: 'The access token has expired.',
  SESSION_REVOKED: 'The session has ended. Log in again.',
  REFRESH_TOKEN_INVALID: 'The refresh token is invalid.',
  REFRESH_TOKEN_REUSED:
    'This refresh token was already used; the session has been ended to protect the account. Log in again.',
  INVALID_CREDENTIALS: 'The email or password is incorrect.',
  ACCOUNT_DISABLED: 'This account has been disabled by an administrator.',
  MFA_CODE_INVALID: 'The code is wrong, already used or malformed.',
};

/** A token or credential that is absent where one is required, or present and unusable. */
export class AuthenticationError extends AppError {
  declare readonly code: AuthenticationErrorCode;
  constructor(code: AuthenticationErrorCode, message: string = AUTHENTICATION_MESSAGES[code]) {
    super(code, message);
    this.name = 'AuthenticationError';
  }
}

/** Why a new password of an acceptable length is still refused. */
export type PasswordScreeningCode = Extract<ContractReason, 'PASSWORD_TOO_COMMON' | 'PASSWORD_CONTAINS_EMAIL'>;

/** Bad client input; `field` names the argument. */
export class InputError extends AppError {
  constructor(
    code: 'INVALID_INPUT' | 'EMAIL_TAKEN' | 'LAST_ADMIN' | 'EMAIL_TOKEN_INVALID' | 'EMAIL_TOKEN_EXPIRED' | PasswordScreeningCode,
    field: string,
    message: string,
  ) {
    super(code, message, { field });
    this.name = 'InputError';
  }
}

/** Why an authenticated caller is refused, where the client can act on it (verify the address). */
export type ForbiddenReason = Extract<ContractReason, 'EMAIL_NOT_VERIFIED'>;

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.', reason?: ForbiddenReason) {
    super(reason ?? 'FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

/** The session owes a second factor: only verifyMfa, logout and me until it is proved. */
export class MfaRequiredError extends AppError {
  constructor(message = 'This session must first prove a second factor with verifyMfa.') {
    super('MFA_REQUIRED', message);
    this.name = 'MfaRequiredError';
  }
}

/** A sensitive operation from a session whose last authentication is too old, or (MFA on) not aal 2. */
export class ReauthRequiredError extends AppError {
  constructor(message = 'This needs a recent authentication: call reauthenticate, then retry.') {
    super('REAUTH_REQUIRED', message);
    this.name = 'ReauthRequiredError';
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'There is nothing with this id.') {
    super('NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/** Too many attempts (failed password checks, sign-ups, mails asked for) or a busy password hasher; retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = `Too many failed attempts. Try again in ${retryAfterSeconds} seconds.`) {
    super('RATE_LIMITED', message);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request ran past its time budget: the rest of its database work is not started. */
export class ExecutionTimeoutError extends AppError {
  constructor(limitMs: number) {
    super('EXECUTION_TIMEOUT', `The request ran longer than ${limitMs} ms; the server is busy. Try again shortly, or ask for less.`);
    this.name = 'ExecutionTimeoutError';
  }
}

/** A subscriber fell so far behind that its pending events were dropped; it must subscribe again. */
export class SubscriberTooSlowError extends AppError {
  constructor(message = 'Too many events were waiting for this subscription; subscribe again.') {
    super('SUBSCRIBER_TOO_SLOW', message);
    this.name = 'SubscriberTooSlowError';
  }
}
