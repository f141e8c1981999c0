import { performance } from 'node:perf_hooks';
import { createApp } from './app.js';
import { configFromEnvOrExit } from './cli/config-from-env.js';

// The server's entry point: read the environment, start, stop on signals.

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Whatever this process creates (DATA_DIR, the lock, the generated keys) is owner-only.
// createApp also sets the modes itself: tests and the bench call it without this line.
process.umask(0o077);

const config = configFromEnvOrExit();
const started = performance.now();
const starting = createApp(config);

// Installed before the server can answer anything, so that a signal sent the moment it
// is ready (or while it starts) always gets a clean shutdown, never the default death.
let shuttingDown = false;
const shutdown = async (signal: NodeJS.Signals) => {
  if (shuttingDown) return;
  shuttingDown = true;
  try {
    const app = await starting.catch(() => undefined);
    await app?.stop();
    process.exit(0);
  } catch (error) {
    console.error(`Shutdown after ${signal} failed: ${describe(error)}`);
    process.exit(1);
  }
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

starting.then(
  (app) => {
    console.log(
      JSON.stringify({
        level: 30,
        time: Date.now(),
        msg: `Gatehouse ready at ${app.url}/graphql`,
        database: config.databaseUrl === undefined ? `embedded (${config.dataDir})` : 'postgres',
        startupMs: Math.round(performance.now() - started),
      }),
    );
  },
  (error: unknown) => {
    console.error(`Gatehouse failed to start: ${describe(error)}`);
    process.exit(1);
  },
);
