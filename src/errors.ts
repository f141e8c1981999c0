/**
 * The domain's error catalogue. Domain code throws these; `graphql/error-mapping.ts`
 * turns each code into the contract's `extensions.code` (and `reason`), so a caller
 * can `switch (err.code)` and never parse a message.
 */
export type AppErrorCode =
  | AuthenticationErrorCode
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'EMAIL_TAKEN'
  | 'LAST_ADMIN'
  | 'RATE_LIMITED';

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
export type AuthenticationErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'SESSION_REVOKED'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED'
  | 'INVALID_CREDENTIALS';

/** A token or credential that is absent where one is required, or present and unusable. */
export class AuthenticationError extends AppError {
  constructor(code: AuthenticationErrorCode, message: string) {
    super(code, message);
    this.name = 'AuthenticationError';
  }
}

/** Bad client input; `field` names the argument. */
export class InputError extends AppError {
  constructor(code: 'INVALID_INPUT' | 'EMAIL_TAKEN' | 'LAST_ADMIN', field: string, message: string) {
    super(code, message, { field });
    this.name = 'InputError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super('FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/** Too many failed password checks for one email from one client; retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many failed attempts. Try again in ${retryAfterSeconds} seconds.`);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
