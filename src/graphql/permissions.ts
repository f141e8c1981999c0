import { allow, deny, shield } from 'graphql-shield';
import { ForbiddenError } from '../errors.js';
import { canSeeEmail } from './rules.js';

/**
 * The permission map. Deny by default: a field not named here is refused with a
 * coded FORBIDDEN, so a new field is never public by accident.
 */
export const permissions = shield(
  {
    Query: {
      me: allow,
    },
    Mutation: {
      signUp: allow,
      login: allow,
    },
    User: {
      id: allow,
      email: canSeeEmail,
      name: allow,
      role: allow,
      createdAt: allow,
    },
    AuthPayload: allow,
  },
  {
    fallbackRule: deny,
    // Let resolvers' coded errors through instead of masking them as "Not Authorised!".
    allowExternalErrors: true,
    fallbackError: () => new ForbiddenError(),
    debug: false,
  },
);
