import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes a new versioned SQL migration after src/db/schema.ts changes.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
