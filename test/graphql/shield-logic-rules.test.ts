import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { and, chain, deny, not, or, race, rule, shield } from 'graphql-shield';
import { ForbiddenError } from '../../src/errors.js';
import { isAdmin, isAuthenticated } from '../../src/graphql/rules.js';
import { scopesForRole } from '../../src/users/roles.js';

// graphql-shield 7.6.5 calls util.isUndefined, removed in Node 23: on Node 24, unpatched,
// every chain/race fails at run time and becomes a silent denial. patches/ fixes it;
// CI runs this file on Node 20 and Node 24.
const yes = rule({ cache: 'no_cache' })(() => true);
const no = rule({ cache: 'no_cache' })(() => false);

const schema = applyMiddleware(
  makeExecutableSchema({
    typeDefs: `type Query { chainAllow: Int chainDeny: Int raceAllow: Int raceDeny: Int andAllow: Int orAllow: Int notAllow: Int adminOnly: Int unlisted: Int }`,
    resolvers: {
      Query: Object.fromEntries(
        ['chainAllow', 'chainDeny', 'raceAllow', 'raceDeny', 'andAllow', 'orAllow', 'notAllow', 'adminOnly', 'unlisted'].map(
          (name) => [name, () => 1],
        ),
      ),
    },
  }),
  shield(
    {
      Query: {
        chainAllow: chain(yes, yes),
        chainDeny: chain(yes, no),
        raceAllow: race(no, yes),
        raceDeny: race(no, no),
        andAllow: and(yes, yes),
        orAllow: or(no, yes),
        notAllow: not(no),
        adminOnly: chain(isAuthenticated, isAdmin),
      },
    },
    { fallbackRule: deny, allowExternalErrors: true, fallbackError: () => new ForbiddenError() },
  ),
);

async function run(field: string, viewer: unknown = null) {
  const result = await graphql({ schema, source: `{ ${field} }`, contextValue: { viewer } });
  return { value: result.data?.[field] ?? null, error: result.errors?.[0]?.originalError };
}

describe(`graphql-shield logic rules on Node ${process.versions.node}`, () => {
  it.each(['chainAllow', 'raceAllow', 'andAllow', 'orAllow', 'notAllow'])('%s allows', async (field) => {
    expect(await run(field)).toEqual({ value: 1, error: undefined });
  });

  it.each(['chainDeny', 'raceDeny', 'unlisted'])('%s denies with the coded fallback error', async (field) => {
    const { value, error } = await run(field);
    expect(value).toBeNull();
    expect(error).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a chain keeps the coded error its failing rule returns', async () => {
    expect((await run('adminOnly')).error).toMatchObject({ code: 'TOKEN_MISSING' });
    // A viewer as resolveViewer builds it: the role and the scopes its token may use.
    const viewer = (role: 'USER' | 'ADMIN') => ({ role, scopes: new Set(scopesForRole(role)) });
    expect((await run('adminOnly', viewer('USER'))).error).toMatchObject({ code: 'FORBIDDEN' });
    expect(await run('adminOnly', viewer('ADMIN'))).toEqual({ value: 1, error: undefined });
  });
});
