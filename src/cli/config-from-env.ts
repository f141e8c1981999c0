import { ConfigError, loadConfig, type Config } from '../config.js';

/**
 * The configuration from the process environment, for entry points (`main.ts`,
 * `cluster.ts`, the CLIs): on bad values it prints one line per problem and exits 1.
 */
export function configFromEnvOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
    process.exit(1);
  }
}
