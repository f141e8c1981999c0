import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configFromEnvOrExit } from './cli/config-from-env.js';

// `npm run start:cluster`: N copies of the server (dist/main.js) sharing one port through
// Node's cluster module, on one PostgreSQL. The primary serves nothing itself: it starts
// the workers, replaces one that dies, and on SIGTERM/SIGINT passes the signal on (each
// worker drains as a single server does) and exits when they all have.

const RESTART_DELAY_MS = 1_000;

function log(msg: string, fields: Record<string, unknown> = {}, level = 30): void {
  console.log(JSON.stringify({ level, time: Date.now(), pid: process.pid, msg, ...fields }));
}

const config = configFromEnvOrExit();
if (config.databaseUrl === undefined) {
  console.error(
    'Configuration error: DATABASE_URL: start:cluster needs a real PostgreSQL; the embedded database belongs to one process (use npm start)',
  );
  process.exit(1);
}

const workers = config.clusterWorkers ?? availableParallelism();
cluster.setupPrimary({ exec: fileURLToPath(new URL('./main.js', import.meta.url)) });

let shuttingDown = false;
let failed = false;
const listening = new Set<number>();
// Ours, not cluster.workers: a worker leaves that only once it has also disconnected.
const alive = new Set<Worker>();

function fork(): Worker {
  const worker = cluster.fork();
  alive.add(worker);
  worker.on('listening', (address) => {
    listening.add(worker.id);
    if (listening.size === workers) {
      const host = address.address === null || ['0.0.0.0', '::'].includes(address.address) ? 'localhost' : address.address;
      log(`Gatehouse cluster ready at http://${host}:${address.port}/graphql`, { workers });
    }
  });
  worker.on('exit', (code, signal) => {
    alive.delete(worker);
    const wasListening = listening.delete(worker.id);
    if (shuttingDown) {
      if (code !== 0) failed = true;
      if (alive.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    // A worker that never came up will not come up on a second try either (bad key,
    // unreachable database): stop everything rather than loop.
    if (!wasListening) {
      log('a worker failed to start; stopping', { workerPid: worker.process.pid, code, signal }, 60);
      void shutdown(true);
      return;
    }
    log('a worker died; starting another', { workerPid: worker.process.pid, code, signal }, 50);
    setTimeout(() => shuttingDown || fork(), RESTART_DELAY_MS).unref();
  });
  return worker;
}

async function shutdown(asFailure = false): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  failed ||= asFailure;
  if (alive.size === 0) process.exit(failed ? 1 : 0);
  for (const worker of alive) worker.process.kill('SIGTERM');
}

process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
for (let i = 0; i < workers; i++) fork();
