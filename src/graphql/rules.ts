import { rule } from 'graphql-shield';
import { AuthenticationError, ForbiddenError } from '../errors.js';
import { scopesForRole, type Scope } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';
import type { GraphQLContext } from './context.js';

// Rules read ctx.viewer only; the token was verified once, in the context function.
// They *return* coded errors: shield turns a thrown error into a bare denial.
// `no_cache`: each rule is a property read, cheaper than shield's cache lookup.

export const isAuthenticated = rule('isAuthenticated', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) =>
    ctx.viewer !== null ||
    new AuthenticationError('TOKEN_MISSING', 'This requires an access token.'),
);

export const isAdmin = rule('isAdmin', { cache: 'no_cache' })(
  (_parent, _args, ctx: GraphQLContext) =>
    (ctx.viewer?.role === 'ADMIN' && ctx.viewer.scopes.has('admin')) ||
    missingScope(ctx, 'admin', 'This requires the ADMIN role.'),
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
    ctx.viewer?.scopes.has('write') === true || missingScope(ctx, 'write', 'This requires the "write" scope.'),
);

/** FORBIDDEN, with the reason when the role grants the scope but a limit withholds it (verify the address). */
function missingScope(ctx: GraphQLContext, scope: Scope, message: string): ForbiddenError {
  const viewer = ctx.viewer;
  return viewer?.scopesLimitedBy === 'EMAIL_NOT_VERIFIED' && scopesForRole(viewer.role).includes(scope)
    ? new ForbiddenError('Verify your email address first: this needs a verified address.', viewer.scopesLimitedBy)
    : new ForbiddenError(message);
}
