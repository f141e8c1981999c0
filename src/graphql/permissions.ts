import { isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { IMiddleware } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { ForbiddenError } from '../errors.js';
import type { Rule, RuleMap } from './module.js';

/** Whether a rule map entry is one rule for the whole type (rather than a map of fields). */
export function isRule(entry: RuleMap[string]): entry is Rule {
  return typeof (entry as { resolve?: unknown }).resolve === 'function';
}

/** The rule that decides `Type.field`: the field's own, or its type's; undefined when none. */
export function ruleFor(tree: RuleMap, typeName: string, field: string): Rule | undefined {
  const entry = tree[typeName];
  if (entry === undefined) return undefined;
  return isRule(entry) ? entry : entry[field];
}

const LOGIC_RULES: Record<string, string> = { RuleChain: 'chain', RuleAnd: 'and', RuleOr: 'or', RuleRace: 'race', RuleNot: 'not' };

/** A rule as a reader of the rules page sees it: `allow`, `deny`, a rule's name, or `chain(isAuthenticated, isAdmin)`. */
export function describeRule(rule: Rule): string {
  if (rule === allow) return 'allow';
  if (rule === deny) return 'deny';
  const kind = LOGIC_RULES[rule.constructor.name];
  if (kind !== undefined) return `${kind}(${(rule as { getRules(): Rule[] }).getRules().map(describeRule).join(', ')})`;
  return (rule as { name?: string }).name ?? 'unnamed rule';
}

/** The object type fields of the schema that no rule covers, as "Type.field". */
export function fieldsWithoutRule(schema: GraphQLSchema, tree: RuleMap): string[] {
  return objectFields(schema)
    .filter(({ type, field }) => ruleFor(tree, type.name, field) === undefined)
    .map(({ type, field }) => `${type.name}.${field}`)
    .sort();
}

/** The entries of the tree that name a type or field the schema lacks. */
export function staleRules(schema: GraphQLSchema, tree: RuleMap): string[] {
  return Object.entries(tree).flatMap(([typeName, entry]) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) return [typeName];
    if (isRule(entry)) return [];
    return Object.keys(entry)
      .filter((field) => type.getFields()[field] === undefined)
      .map((field) => `${typeName}.${field}`);
  });
}

/** Every field of every object type of the schema (introspection's own aside). */
export function objectFields(schema: GraphQLSchema): Array<{ type: GraphQLObjectType; field: string }> {
  return Object.values(schema.getTypeMap())
    .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) => Object.keys(type.getFields()).map((field) => ({ type, field })));
}

/**
 * The permission layer: deny by default. Refuses to build (and so the server to start)
 * when a field has no rule. Shield wraps every field in an async middleware, `allow` ones
 * included (~1 µs per resolved field, most of a 100-item list); since every field is
 * covered (checked here), skipping the `allow` ones changes no decision.
 */
export function permissionMiddleware(schema: GraphQLSchema, tree: RuleMap): IMiddleware {
  const missing = fieldsWithoutRule(schema, tree);
  if (missing.length > 0) {
    throw new Error(`No permission rule for ${missing.join(', ')}: add them to the rules of the module that declares them.`);
  }
  const stale = staleRules(schema, tree);
  if (stale.length > 0) throw new Error(`Permission rules name what the schema lacks: ${stale.join(', ')}.`);
  const permissions = shield(tree as IRules, {
    fallbackRule: deny,
    // Let resolvers' coded errors through instead of masking them as "Not Authorised!".
    allowExternalErrors: true,
    fallbackError: () => new ForbiddenError(),
    debug: false,
  });
  const generated = permissions.generate(schema) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    Object.entries(generated)
      .map(([typeName, fields]) => [
        typeName,
        Object.fromEntries(Object.entries(fields).filter(([field]) => ruleFor(tree, typeName, field) !== allow)),
      ])
      .filter(([, fields]) => Object.keys(fields as object).length > 0),
  ) as IMiddleware;
}
