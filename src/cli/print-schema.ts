import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { declareModules, printPermissionsPage, printSchemaSdl } from '../graphql/schema.js';
import { modules } from '../modules/registry.js';

// `npm run schema:print`: the whole schema, descriptions included, in one SDL file at the
// repository's root, for consumers to point their codegen at; and the rules page, for
// whoever reviews who may do what.
const declarations = declareModules(modules);
for (const [path, text] of [
  ['../../schema.graphql', printSchemaSdl(declarations)],
  ['../../docs/permissions.md', printPermissionsPage(declarations)],
] as const) {
  const target = fileURLToPath(new URL(path, import.meta.url));
  writeFileSync(target, text);
  console.log(`Wrote ${target}`);
}
