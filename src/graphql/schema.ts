import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLScalarType, Kind, parse, printSchema, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow } from 'graphql-shield';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { GatehouseModule, Rule, RuleMap } from './module.js';
import { describeRule, isRule, objectFields, permissionMiddleware, ruleFor } from './permissions.js';
import { expandConnections, readSchemaFiles, type ConnectionTypes } from './type-defs.js';

/** What the modules declare, put together: SDL, rules, record shapes. */
export interface ModuleDeclarations {
  readonly typeDefs: readonly string[];
  readonly connections: ConnectionTypes;
  readonly rules: RuleMap;
  readonly records: Readonly<Record<string, readonly string[]>>;
  /** Which module declared the rule of each `Type.field`. */
  readonly ruleOwners: Readonly<Record<string, string>>;
}

/**
 * Gathers the modules' declarations. Refuses two modules of one name, a schema/ file
 * owned by no module or by two, and two rules for one field.
 */
export function declareModules(modules: readonly GatehouseModule[]): ModuleDeclarations {
  const names = modules.map((module) => module.name);
  const twice = names.filter((name, index) => names.indexOf(name) !== index);
  if (twice.length > 0) throw new Error(`Two modules are named ${quoted(twice)}.`);

  const files = readSchemaFiles();
  const owners = new Map<string, string[]>();
  for (const module of modules) {
    for (const file of module.schemaFiles ?? []) {
      if (!files.has(file)) throw new Error(`Module "${module.name}" names schema/${file}, which does not exist.`);
      owners.set(file, [...(owners.get(file) ?? []), module.name]);
    }
  }
  const unowned = [...files.keys()].filter((file) => owners.get(file) === undefined);
  if (unowned.length > 0) throw new Error(`No module owns ${quoted(unowned.map((file) => `schema/${file}`))}: list each in one module's schemaFiles.`);
  const shared = [...owners].filter(([, by]) => by.length > 1).map(([file]) => `schema/${file}`);
  if (shared.length > 0) throw new Error(`More than one module owns ${quoted(shared)}.`);

  const { typeDefs, connections } = expandConnections(
    modules.flatMap((module) => [
      ...(module.schemaFiles ?? []).map((file) => files.get(file)!),
      ...(module.typeDefs === undefined ? [] : [module.typeDefs]),
    ]),
  );

  // The tree handed to shield names every field: a module's type-wide rule covers the
  // fields that module declares on the type, never what another module adds to it.
  const rules: Record<string, Record<string, Rule>> = {};
  const records: Record<string, readonly string[]> = {};
  const ruleOwners: Record<string, string> = {};
  const setRule = (owner: string, typeName: string, field: string, rule: Rule) => {
    const fields = (rules[typeName] ??= {});
    if (fields[field] !== undefined) {
      throw new Error(`Module "${owner}" declares a second rule for "${typeName}.${field}" (module "${ruleOwners[`${typeName}.${field}`]}" has one).`);
    }
    fields[field] = rule;
    ruleOwners[`${typeName}.${field}`] = owner;
  };
  // A page's envelope is public; what it holds is decided by its node type's rules.
  for (const [connection, node] of connections) {
    for (const field of ['edges', 'pageInfo', 'totalCount']) setRule('(page envelope)', connection, field, allow);
    for (const field of ['node', 'cursor']) setRule('(page envelope)', `${node}Edge`, field, allow);
    records[connection] = ['edges', 'pageInfo', 'totalCount'];
    records[`${node}Edge`] = ['node', 'cursor'];
  }
  for (const module of modules) {
    const declared = declaredFields([
      ...(module.schemaFiles ?? []).map((file) => files.get(file)!),
      ...(module.typeDefs === undefined ? [] : [module.typeDefs]),
    ]);
    for (const [typeName, entry] of Object.entries(module.rules)) {
      if (!isRule(entry)) {
        for (const [field, rule] of Object.entries(entry)) setRule(module.name, typeName, field, rule);
        continue;
      }
      const fields = declared.get(typeName) ?? [];
      if (fields.length === 0) {
        throw new Error(`Module "${module.name}" has a type-wide rule for ${typeName} but declares none of its fields: rule the fields it adds one by one.`);
      }
      for (const field of fields) setRule(module.name, typeName, field, entry);
    }
    for (const [typeName, keys] of Object.entries(module.records ?? {})) records[typeName] = keys;
  }
  return { typeDefs, connections, rules, records, ruleOwners };
}

/** Merges the modules' resolver maps; a field resolved by two modules is refused. */
export function mergeResolvers(maps: readonly Resolvers[]): Resolvers {
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [typeName, value] of Object.entries(map)) {
      const known = merged[typeName];
      if (known === undefined) merged[typeName] = value;
      else if (value instanceof GraphQLScalarType || known instanceof GraphQLScalarType) {
        throw new Error(`Two modules implement the scalar ${typeName}.`);
      } else {
        const clash = Object.keys(value as object).filter((field) => (known as Record<string, unknown>)[field] !== undefined);
        if (clash.length > 0) throw new Error(`Two modules resolve ${quoted(clash.map((field) => `${typeName}.${field}`))}.`);
        merged[typeName] = { ...(known as object), ...(value as object) };
      }
    }
  }
  return merged as Resolvers;
}

/**
 * Fields that would fail at request time: neither a resolver nor a property of that name
 * on the record behind their type (as the module declares it). Root fields need resolvers.
 */
export function fieldsWithoutResolver(
  schema: GraphQLSchema,
  resolvers: Resolvers,
  records: ModuleDeclarations['records'],
): string[] {
  const map = resolvers as Record<string, Record<string, unknown> | undefined>;
  return objectFields(schema)
    .filter(({ type, field }) => map[type.name]?.[field] === undefined && !(records[type.name] ?? []).includes(field))
    .map(({ type, field }) => `${type.name}.${field}`)
    .sort();
}

/**
 * The executable schema: the modules' SDL with their resolvers and the permission layer.
 * Refuses (and so the server refuses to start) a field without a rule or without a way
 * to resolve it, naming them.
 */
export function buildSchema(declarations: ModuleDeclarations, resolvers: Resolvers): GraphQLSchema {
  const schema = makeExecutableSchema({ typeDefs: [...declarations.typeDefs], resolvers });
  const unresolved = fieldsWithoutResolver(schema, resolvers, declarations.records);
  if (unresolved.length > 0) {
    throw new Error(
      `No resolver and no record property for ${unresolved.join(', ')}: add a resolver, or list the property in the module's records.`,
    );
  }
  return applyMiddleware(schema, permissionMiddleware(schema, declarations.rules));
}

/** The full SDL with every description, as `npm run codegen` writes it to schema.graphql. */
export function printSchemaSdl(declarations: ModuleDeclarations): string {
  const header = '# Generated by `npm run codegen` from schema/*.graphql. Do not edit.\n\n';
  return `${header}${printSchema(makeExecutableSchema({ typeDefs: [...declarations.typeDefs] }))}\n`;
}

/**
 * The rules page (docs/permissions.md, written by `npm run codegen`): every field of
 * the schema with the rule that decides it and the module that declared it, for review.
 */
export function printPermissionsPage(declarations: ModuleDeclarations): string {
  const schema = makeExecutableSchema({ typeDefs: [...declarations.typeDefs] });
  const lines = [
    '# Permissions',
    '',
    'Generated by `npm run codegen` from the modules\' rules. Do not edit: change the',
    'rules in the module that declares them (see docs/architecture.md). Shield denies every',
    'field that no rule covers, and the server refuses to start with one. Rules are in',
    '`src/graphql/rules.ts`; `allow` is public; a type-wide rule covers each field of its type.',
    '',
    '| field | rule | module |',
    '|---|---|---|',
  ];
  const rank = (name: string) => ['Query', 'Mutation', 'Subscription'].indexOf(name) + 1 || 4;
  const fields = objectFields(schema).sort((a, b) => rank(a.type.name) - rank(b.type.name) || a.type.name.localeCompare(b.type.name));
  for (const { type, field } of fields) {
    const rule = ruleFor(declarations.rules, type.name, field);
    const owner = declarations.ruleOwners[`${type.name}.${field}`] ?? '';
    lines.push(`| \`${type.name}.${field}\` | ${rule === undefined ? '**none**' : `\`${describeRule(rule)}\``} | ${owner} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The fields each object type (or extension) of this SDL declares, by type name. */
function declaredFields(typeDefs: readonly string[]): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const sdl of typeDefs) {
    for (const definition of parse(sdl).definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      const name = definition.name.value;
      fields.set(name, [...(fields.get(name) ?? []), ...(definition.fields ?? []).map((field) => field.name.value)]);
    }
  }
  return fields;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}
