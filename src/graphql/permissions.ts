import { isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { IMiddleware } from 'graphql-middleware';
import { allow, chain, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { ForbiddenError } from '../errors.js';
import { canSeeEmail, canWrite, isAdmin, isAuthenticated } from './rules.js';

/**
 * Who may resolve each field. Every field of the schema is named here, type by type
 * (test/graphql/permissions.test.ts fails otherwise); `allow` is written out, never implied.
 */
export const ruleTree = {
  Query: {
    me: allow,
    mySessions: isAuthenticated,
    users: chain(isAuthenticated, isAdmin),
    feed: allow,
    post: allow, // the resolver answers null for a draft the caller may not see
    myPosts: isAuthenticated,
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
    // Ownership (author or ADMIN) is decided by the service: NOT_FOUND vs FORBIDDEN needs the post.
    createPost: chain(isAuthenticated, canWrite),
    updatePost: chain(isAuthenticated, canWrite),
    publishPost: chain(isAuthenticated, canWrite),
    deletePost: chain(isAuthenticated, canWrite),
  },
  Subscription: {
    postPublished: allow, // published posts are public, as in `feed`
  },
  User: {
    id: allow,
    email: canSeeEmail,
    name: allow,
    role: allow,
    createdAt: allow,
    posts: allow, // the resolver shows drafts to the author and admins only
  },
  Post: {
    id: allow,
    title: allow,
    body: allow,
    published: allow,
    author: allow,
    createdAt: allow,
    updatedAt: allow,
  },
  PostConnection: {
    edges: allow,
    pageInfo: allow,
    totalCount: allow,
  },
  PostEdge: {
    node: allow,
    cursor: allow,
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
 * a coded FORBIDDEN (and `checkRuleTreeCoversSchema` refuses to start without it).
 */
export const permissions = shield(ruleTree, {
  fallbackRule: deny,
  // Let resolvers' coded errors through instead of masking them as "Not Authorised!".
  allowExternalErrors: true,
  fallbackError: () => new ForbiddenError(),
  debug: false,
});

/** The fields of the schema that ruleTree does not name, as "Type.field". */
export function fieldsWithoutRule(schema: GraphQLSchema): string[] {
  const tree = ruleTree as Record<string, Record<string, unknown>>;
  return Object.values(schema.getTypeMap())
    .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.keys(type.getFields())
        .filter((field) => tree[type.name]?.[field] === undefined)
        .map((field) => `${type.name}.${field}`),
    )
    .sort();
}

/**
 * Shield's middleware for the fields whose rule is not plain `allow`. Shield wraps every
 * field in an async middleware, `allow` ones included (~1 µs per resolved field, most of
 * a 100-item list); since every field is named in ruleTree (checked at start), skipping
 * the `allow` ones changes no decision and keeps deny-by-default.
 */
export function permissionMiddleware(schema: GraphQLSchema): IMiddleware {
  const missing = fieldsWithoutRule(schema);
  if (missing.length > 0) {
    throw new Error(`No permission rule for ${missing.join(', ')}: add them to src/graphql/permissions.ts.`);
  }
  const generated = permissions.generate(schema) as Record<string, Record<string, unknown>>;
  const tree = ruleTree as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    Object.entries(generated)
      .map(([typeName, fields]) => [
        typeName,
        Object.fromEntries(Object.entries(fields).filter(([field]) => tree[typeName]?.[field] !== allow)),
      ])
      .filter(([, fields]) => Object.keys(fields as object).length > 0),
  ) as IMiddleware;
}
