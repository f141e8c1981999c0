import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isObjectType } from 'graphql';
import { allow } from 'graphql-shield';
import { fieldsWithoutRule, permissionMiddleware, ruleTree } from '../../src/graphql/permissions.js';
import { readTypeDefs } from '../../src/graphql/schema.js';

describe('the permission map', () => {
  const schema = makeExecutableSchema({ typeDefs: readTypeDefs() });

  it('names every field of every object type with an explicit rule', () => {
    expect(fieldsWithoutRule(schema)).toEqual([]);
  });

  it('fails, and the server refuses to start, when a field has no rule', () => {
    const extended = makeExecutableSchema({
      typeDefs: [...readTypeDefs(), 'type Backdoor { secret: String } extend type Query { backdoor: Backdoor }'],
    });
    expect(fieldsWithoutRule(extended)).toEqual(['Backdoor.secret', 'Query.backdoor']);
    expect(() => permissionMiddleware(extended)).toThrow(
      'No permission rule for Backdoor.secret, Query.backdoor: add them to src/graphql/permissions.ts.',
    );
  });

  it('leaves plain allow fields unwrapped and wraps every other rule', () => {
    const middleware = permissionMiddleware(schema) as Record<string, Record<string, unknown>>;
    const wrapped = Object.entries(middleware).flatMap(([type, fields]) => Object.keys(fields).map((field) => `${type}.${field}`));
    const rules = Object.entries(ruleTree as Record<string, Record<string, unknown>>).flatMap(([type, fields]) =>
      Object.entries(fields).map(([field, rule]) => ({ name: `${type}.${field}`, rule })),
    );
    const guarded = rules.filter(({ rule }) => rule !== allow).map(({ name }) => name);
    // Both kinds exist, so neither half of the rule holds vacuously.
    expect(guarded.length).toBeGreaterThan(0);
    expect(guarded.length).toBeLessThan(rules.length);
    expect(wrapped.sort()).toEqual(guarded.sort());
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
