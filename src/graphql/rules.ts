import { rule } from 'graphql-shield';
import { AuthenticationError, ForbiddenError, MfaRequiredError, ReauthRequiredError } from '../errors.js';
import { scopesForRole, type Scope } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';
import type { GraphQLContext } from './context.js';

// Rules read ctx.viewer only; the token was verified once, in the context function.
// They *return* coded errors: shield turns a thrown error into a bare denial.
// `no_cache`: each rule is a property read, cheaper than shield's cache lookup.

// A session that owes a second factor passes only isSignedIn (verifyMfa, logout) and the
// caller's own fields of `me`; every other rule refuses it with MFA_REQUIRED.

/** A token, of any session; a session owing a second factor is refused MFA_REQUIRED. */
export const isAuthenticated = rule('isAuthenticated', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) => {
    if (ctx.viewer === null) return missingToken();
    return !ctx.viewer.mfaPending || new MfaRequiredError();
  },
);

/**
 * Step-up, for sensitive operations: a signed-in caller whose session authenticated within
 * REAUTH_MAX_AGE_SECONDS and, when the user has MFA on, proved the second factor (aal 2);
 * otherwise FORBIDDEN / REAUTH_REQUIRED (reauthenticate renews it). Mark an operation
 * with it in its module's rules: `myMutation: requiresRecentAuthentication`.
 */
export const requiresRecentAuthentication = rule('requiresRecentAuthentication', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) => checkRecentAuthentication(ctx, false),
);

/** `logout`: any session may end itself; ending all of them (`allSessions: true`) is a step-up operation. */
export const mayLogOut = rule('mayLogOut', { cache: 'no_cache' })(
  (_parent, args: { allSessions?: boolean | null }, ctx: GraphQLContext) =>
    args.allSessions === true ? checkRecentAuthentication(ctx, true) : ctx.viewer !== null || missingToken(),
);

async function checkRecentAuthentication(ctx: GraphQLContext, allowMfaPending: boolean): Promise<true | Error> {
  const { viewer } = ctx;
  if (viewer === null) return missingToken();
  if (viewer.mfaPending && !allowMfaPending) return new MfaRequiredError();
  const fresh = Date.now() - viewer.authTime.getTime() <= ctx.services.reauthMaxAgeSeconds * 1000;
  if (fresh && (viewer.aal === 2 || !(await ctx.services.secondFactor.isRequiredFor(viewer.userId)))) return true;
  return new ReauthRequiredError();
}

function missingToken(): AuthenticationError {
  return new AuthenticationError('TOKEN_MISSING', 'This requires an access token.');
}

/** A token, even of a session that still owes its second factor: verifyMfa and logout only. */
export const isSignedIn = rule('isSignedIn', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) =>
    ctx.viewer !== null || missingToken(),
);

export const isAdmin = rule('isAdmin', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) => {
    if (ctx.viewer?.mfaPending === true) return new MfaRequiredError();
    return (ctx.viewer?.role === 'ADMIN' && ctx.viewer.scopes.has('admin')) || missingScope(ctx, 'admin', 'This requires the ADMIN role.');
  },
);

/** `User.email`: the user themselves (or one whose credentials this request proved) or an admin; anyone else gets null and FORBIDDEN. */
export const canSeeEmail = rule('canSeeEmail', { cache: 'no_cache' })(
  (parent: UserRecord, _args, ctx: GraphQLContext) =>
    parent.id === ctx.viewer?.userId ||
    ctx.credentialsVerifiedFor.has(parent.id) ||
    ctx.viewer?.role === 'ADMIN' ||
    new ForbiddenError('Only the user and admins may see this email address.'),
);

/** The caller's current role grants the `write` scope (USER, ADMIN). */
export const canWrite = rule('canWrite', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) =>
    ctx.viewer?.mfaPending === true
      ? new MfaRequiredError()
      : ctx.viewer?.scopes.has('write') === true || missingScope(ctx, 'write', 'This requires the "write" scope.'),
);

/** FORBIDDEN, with the limit's reason and message when the role grants the scope but a limit withholds it. */
function missingScope(ctx: GraphQLContext, scope: Scope, message: string): ForbiddenError {
  const limit = ctx.viewer?.scopesLimitedBy;
  return limit != null && scopesForRole(ctx.viewer!.role).includes(scope)
    ? new ForbiddenError(limit.message, limit.reason)
    : new ForbiddenError(message);
}
