import { performance } from 'node:perf_hooks';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

// The only module with side effects: read the environment, start, stop on signals.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
    process.exit(1);
  }

  const started = performance.now();
  const app = await createApp(config);
  console.log(
    JSON.stringify({
      level: 30,
      time: Date.now(),
      msg: `Gatehouse ready at ${app.url}/graphql`,
      database: config.databaseUrl === undefined ? `embedded (${config.dataDir})` : 'postgres',
      startupMs: Math.round(performance.now() - started),
    }),
  );

  const shutdown = async (signal: NodeJS.Signals) => {
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      console.error(`Shutdown after ${signal} failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(`Gatehouse failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
