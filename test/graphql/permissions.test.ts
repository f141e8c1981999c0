import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { allow } from 'graphql-shield';
import { defineModule } from '../../src/graphql/module.js';
import { fieldsWithoutRule, permissionMiddleware, staleRules } from '../../src/graphql/permissions.js';
import { buildSchema, declareModules, fieldsWithoutResolver } from '../../src/graphql/schema.js';
import { isAuthenticated } from '../../src/graphql/rules.js';
import { modules } from '../../src/modules/registry.js';

const declarations = declareModules(modules);
const schema = makeExecutableSchema({ typeDefs: [...declarations.typeDefs] });
const extra = (typeDefs: string, rules = {}) => defineModule({ name: 'extra', typeDefs, rules, setup: () => ({ resolvers: {} }) });

describe('the permission rules the modules declare', () => {
  it('cover every field of every object type', () => {
    expect(fieldsWithoutRule(schema, declarations.rules)).toEqual([]);
  });

  it('name no field or type that the schema lacks', () => {
    expect(staleRules(schema, declarations.rules)).toEqual([]);
  });

  it('refuse to build, naming the fields, when a field has no rule', () => {
    const withGap = declareModules([...modules, extra('extend type User { secret: String } extend type Query { backdoor: User }')]);
    const extended = makeExecutableSchema({ typeDefs: [...withGap.typeDefs] });
    expect(fieldsWithoutRule(extended, withGap.rules)).toEqual(['Query.backdoor', 'User.secret']);
    expect(() => permissionMiddleware(extended, withGap.rules)).toThrow(
      'No permission rule for Query.backdoor, User.secret: add them to the rules of the module that declares them.',
    );
  });

  it('let one rule cover every field of a type', () => {
    const typeWide = declareModules([...modules, extra('type Note { id: ID! text: String! } extend type Query { note: Note }', { Note: isAuthenticated, Query: { note: allow } })]);
    const extended = makeExecutableSchema({ typeDefs: [...typeWide.typeDefs] });
    expect(fieldsWithoutRule(extended, typeWide.rules)).toEqual([]);
    const middleware = permissionMiddleware(extended, typeWide.rules) as Record<string, Record<string, unknown>>;
    expect(Object.keys(middleware.Note ?? {}).sort()).toEqual(['id', 'text']);
  });

  it('refuse a second rule for a field another module already rules', () => {
    expect(() => declareModules([...modules, extra('extend type Query { extraMe: User }', { Query: { me: allow, extraMe: allow } })])).toThrow(
      'Module "extra" declares a second rule for "Query.me" (module "accounts" has one).',
    );
  });

  it('leave plain allow fields unwrapped and wrap every other rule', () => {
    const middleware = permissionMiddleware(schema, declarations.rules) as Record<string, Record<string, unknown>>;
    const wrapped = Object.entries(middleware).flatMap(([type, fields]) => Object.keys(fields).map((field) => `${type}.${field}`));
    const notAllow = Object.entries(declarations.rules).flatMap(([type, fields]) =>
      Object.entries(fields as Record<string, unknown>).filter(([, rule]) => rule !== allow).map(([field]) => `${type}.${field}`),
    );
    expect(wrapped.sort()).toEqual(notAllow.sort());
    expect(wrapped).toEqual(expect.arrayContaining(['Query.users', 'User.email', 'Mutation.createPost']));
    expect(middleware.AuthPayload).toBeUndefined();
    expect(middleware.Post).toBeUndefined();
  });

  it('cover with a type-wide rule only the fields its module declares: a field another module adds needs its own rule', () => {
    const unruled = declareModules([...modules, extra('extend type Post { shout: String! }')]);
    expect(fieldsWithoutRule(makeExecutableSchema({ typeDefs: [...unruled.typeDefs] }), unruled.rules)).toEqual(['Post.shout']);
    const ruled = declareModules([...modules, extra('extend type Post { shout: String! }', { Post: isAuthenticated })]);
    expect(ruled.rules.Post).toMatchObject({ title: allow, shout: isAuthenticated });
    expect(ruled.ruleOwners).toMatchObject({ 'Post.title': 'posts', 'Post.shout': 'extra' });
  });

  it('refuse a type-wide rule for a type the module adds no field to', () => {
    expect(() => declareModules([...modules, extra('extend type Query { extraNote: String }', { Query: { extraNote: allow }, Post: allow })])).toThrow(
      'Module "extra" has a type-wide rule for Post but declares none of its fields: rule the fields it adds one by one.',
    );
  });
});

describe('the start-up checks of the modules', () => {
  it('refuse a field with neither a resolver nor a record property, naming it', () => {
    const forgotten = declareModules([...modules, extra('extend type User { shout: String! }', { User: { shout: allow } })]);
    const extended = makeExecutableSchema({ typeDefs: [...forgotten.typeDefs] });
    expect(fieldsWithoutResolver(extended, {}, forgotten.records)).toContain('User.shout');
    expect(fieldsWithoutResolver(extended, {}, forgotten.records)).not.toContain('User.email');
    expect(() => buildSchema(forgotten, {})).toThrow(/^No resolver and no record property for .*User\.shout/);
  });

  it('refuse a schema/ file no module owns, and two modules of one name', () => {
    expect(() => declareModules(modules.filter((module) => module.name !== 'posts'))).toThrow('No module owns "schema/posts.graphql"');
    expect(() => declareModules([...modules, modules[0]!])).toThrow('Two modules are named "core".');
  });
});
