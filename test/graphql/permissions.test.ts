import { describe, expect, it } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isObjectType } from 'graphql';
import { ruleTree } from '../../src/graphql/permissions.js';
import { readTypeDefs } from '../../src/graphql/schema.js';

describe('the permission map', () => {
  const schema = makeExecutableSchema({ typeDefs: readTypeDefs() });
  const objectTypes = Object.values(schema.getTypeMap()).filter(
    (type) => isObjectType(type) && !type.name.startsWith('__'),
  );

  it('names every field of every object type with an explicit rule', () => {
    const tree = ruleTree as Record<string, Record<string, unknown>>;
    const missing = objectTypes.flatMap((type) =>
      Object.keys((type as { getFields(): object }).getFields())
        .filter((field) => tree[type.name]?.[field] === undefined)
        .map((field) => `${type.name}.${field}`),
    );
    expect(missing).toEqual([]);
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
