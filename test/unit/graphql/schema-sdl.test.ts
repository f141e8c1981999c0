import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildSchema as buildSdlSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { declareModules, printSchemaSdl } from '../../../src/graphql/schema.js';
import { modules } from '../../../src/modules/registry.js';

const sdl = printSchemaSdl(declareModules(modules));
const schema = buildSdlSchema(sdl);

describe('the schema consumers generate code from', () => {
  it('is in schema.graphql exactly as `npm run codegen` writes it (run it after changing schema/)', () => {
    expect(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8')).toBe(sdl);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
