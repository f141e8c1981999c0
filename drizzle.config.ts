import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes a new versioned SQL migration after a table changes: the
// core's in src/db/schema.ts, a module's in its folder as <name>-table.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema.ts', './src/modules/*/*-table.ts'],
  out: './migrations',
});
