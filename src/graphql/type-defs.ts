import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type TypeNode,
} from 'graphql';

// Loaded by codegen.ts too (through the registry): only node: modules and graphql here.

const SCHEMA_DIR = fileURLToPath(new URL('../../schema', import.meta.url));

/** schema/*.graphql by file name, the schema's single source, in file-name order. */
export function readSchemaFiles(): ReadonlyMap<string, string> {
  return new Map(
    readdirSync(SCHEMA_DIR)
      .filter((file) => file.endsWith('.graphql'))
      .sort()
      .map((file) => [file, readFileSync(join(SCHEMA_DIR, file), 'utf8')]),
  );
}

/** The paged-list types expanded from `@connection`: connection type name → node type name. */
export type ConnectionTypes = ReadonlyMap<string, string>;

/**
 * The one way to declare a paged list: a field `things: ThingConnection! @connection`.
 * The field gets the arguments `first: Int = 20` and `after: String` (after any of its
 * own), and `ThingConnection` / `ThingEdge` are written out as Relay cursor connections
 * over `Thing`, unless the SDL declares them itself. Returns plain SDL, directive-free, so
 * the printed schema and codegen see ordinary types.
 */
export function expandConnections(typeDefs: readonly string[]): { typeDefs: string[]; connections: ConnectionTypes } {
  const documents = typeDefs.map((sdl) => parse(sdl));
  const declared = new Set(
    documents.flatMap((document) =>
      document.definitions.flatMap((definition) =>
        definition.kind === Kind.OBJECT_TYPE_DEFINITION ? [definition.name.value] : [],
      ),
    ),
  );
  const connections = new Map<string, string>();
  const expanded = documents.map((document) =>
    visit(document, {
      FieldDefinition(field): FieldDefinitionNode | undefined {
        if (!field.directives?.some((directive) => directive.name.value === 'connection')) return undefined;
        const typeName = namedType(field.type);
        const node = /^(.+)Connection$/.exec(typeName)?.[1];
        if (node === undefined || field.type.kind !== Kind.NON_NULL_TYPE) {
          throw new Error(`@connection on "${field.name.value}" needs a return type like "${typeName}Connection!".`);
        }
        connections.set(typeName, node);
        const own = new Set(field.arguments?.map((arg) => arg.name.value));
        return {
          ...field,
          directives: field.directives.filter((directive) => directive.name.value !== 'connection'),
          arguments: [
            ...(field.arguments ?? []),
            ...(own.has('first') ? [] : [argument('first', 'Int', 'How many items to return: 0 to 100.', '20')]),
            ...(own.has('after') ? [] : [argument('after', 'String', 'The `endCursor` of the previous page.')]),
          ],
        };
      },
    }),
  );
  const generated = [...connections]
    .filter(([connection]) => !declared.has(connection))
    .map(([connection, node]) => connectionSdl(connection, node));
  return { typeDefs: [...expanded.map((document: DocumentNode) => print(document)), ...generated], connections };
}

function connectionSdl(connection: string, node: string): string {
  const edge = `${node}Edge`;
  return `"A page of \`${node}\` items (a Relay cursor connection)."
type ${connection} {
  "The items of this page, each with its cursor."
  edges: [${edge}!]!
  "Where this page ends."
  pageInfo: PageInfo!
  "How many items the whole list has."
  totalCount: Int!
}

"A \`${node}\` in a page, with the cursor that points at it."
type ${edge} {
  "The item."
  node: ${node}!
  "An opaque cursor: pass it as \`after\` to continue after this item."
  cursor: String!
}
`;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function argument(name: string, type: string, description: string, defaultValue?: string): InputValueDefinitionNode {
  return {
    kind: Kind.INPUT_VALUE_DEFINITION,
    name: { kind: Kind.NAME, value: name },
    description: { kind: Kind.STRING, value: description, block: false },
    type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type } },
    ...(defaultValue !== undefined && { defaultValue: { kind: Kind.INT, value: defaultValue } }),
  };
}
