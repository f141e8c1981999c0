import { configFromEnvOrExit } from './config-from-env.js';
import { openDatabase } from '../db/database.js';

// `npm run migrate`: apply pending migrations to the configured database and exit.
try {
  const config = configFromEnvOrExit();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  console.log(`Migrations applied (${database.kind} database).`);
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
