import { allow, chain, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { ForbiddenError } from '../errors.js';
import { canSeeEmail, isAdmin, isAuthenticated } from './rules.js';

/**
 * Who may resolve each field. Every field of the schema is named here, type by type
 * (test/graphql/permissions.test.ts fails otherwise); `allow` is written out, never implied.
 */
export const ruleTree = {
  Query: {
    me: allow,
    mySessions: isAuthenticated,
    users: chain(isAuthenticated, isAdmin),
  },
  Mutation: {
    signUp: allow,
    login: allow,
    refreshToken: allow,
    logout: isAuthenticated,
    revokeSession: isAuthenticated,
    changePassword: isAuthenticated,
    deleteAccount: isAuthenticated,
    setUserRole: chain(isAuthenticated, isAdmin),
  },
  User: {
    id: allow,
    email: canSeeEmail,
    name: allow,
    role: allow,
    createdAt: allow,
  },
  UserConnection: {
    edges: allow,
    pageInfo: allow,
    totalCount: allow,
  },
  UserEdge: {
    node: allow,
    cursor: allow,
  },
  PageInfo: {
    hasNextPage: allow,
    endCursor: allow,
  },
  Session: {
    id: allow,
    createdAt: allow,
    lastUsedAt: allow,
    userAgent: allow,
    current: allow,
  },
  AuthPayload: {
    accessToken: allow,
    refreshToken: allow,
    tokenType: allow,
    expiresIn: allow,
    user: allow,
  },
} satisfies IRules;

/**
 * The permission layer. Deny by default: a field missing from ruleTree is refused with
 * a coded FORBIDDEN, so a new field is never public by accident.
 */
export const permissions = shield(ruleTree, {
  fallbackRule: deny,
  // Let resolvers' coded errors through instead of masking them as "Not Authorised!".
  allowExternalErrors: true,
  fallbackError: () => new ForbiddenError(),
  debug: false,
});
