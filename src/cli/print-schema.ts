import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { declareModules, printSchemaSdl } from '../graphql/schema.js';
import { modules } from '../modules/registry.js';

// `npm run schema:print`: the whole schema, descriptions included, in one SDL file at the
// repository's root, for consumers to point their codegen at.
const target = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
writeFileSync(target, printSchemaSdl(declareModules(modules)));
console.log(`Wrote ${target}`);
