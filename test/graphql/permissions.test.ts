import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isObjectType } from 'graphql';
import { fieldsWithoutRule, permissionMiddleware, ruleTree } from '../../src/graphql/permissions.js';
import { readTypeDefs } from '../../src/graphql/schema.js';

describe('the permission map', () => {
  const schema = makeExecutableSchema({ typeDefs: readTypeDefs() });

  it('names every field of every object type with an explicit rule', () => {
    expect(fieldsWithoutRule(schema)).toEqual([]);
  });

  it('fails, and the server refuses to start, when a field has no rule', () => {
    const extended = makeExecutableSchema({
      typeDefs: [...readTypeDefs(), 'extend type User { secret: String } extend type Query { backdoor: User }'],
    });
    expect(fieldsWithoutRule(extended)).toEqual(['Query.backdoor', 'User.secret']);
    expect(() => permissionMiddleware(extended)).toThrow(
      'No permission rule for Query.backdoor, User.secret: add them to src/graphql/permissions.ts.',
    );
  });

  it('leaves plain allow fields unwrapped and wraps every other rule', () => {
    const middleware = permissionMiddleware(schema) as Record<string, Record<string, unknown>>;
    expect(Object.keys(middleware.Query ?? {}).sort()).toEqual(['myPosts', 'mySessions', 'users']);
    expect(Object.keys(middleware.User ?? {})).toEqual(['email']);
    expect(middleware.AuthPayload).toBeUndefined();
  });

  it('names no field or type that the schema lacks', () => {
    const stale = Object.entries(ruleTree as Record<string, Record<string, unknown>>).flatMap(
      ([typeName, fields]) => {
        const type = schema.getType(typeName);
        if (!isObjectType(type)) return [typeName];
        return Object.keys(fields)
          .filter((field) => type.getFields()[field] === undefined)
          .map((field) => `${typeName}.${field}`);
      },
    );
    expect(stale).toEqual([]);
  });
});
