import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A database pool's connections now, when the server runs on PostgreSQL. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface MetricsOptions {
  /** Reads the database pool; undefined on the embedded database (no pool). */
  poolStats?: () => PoolStats;
}

// Seconds: a login is one argon2 verification (~15 ms) plus a few queries; the upper
// buckets show a hashing queue or a slow database.
const LOGIN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may share a
 * process, as tests do). Every label takes values from a closed set the server defines:
 * routes, operation types, schema field names, contract codes; never a user id or
 * anything a client chooses.
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  // Process CPU, memory, handles, GC, and the event loop's lag (nodejs_eventloop_lag_*).
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const operations = new Counter({
    name: 'gatehouse_graphql_operations_total',
    help: 'GraphQL operations over HTTP, by type and outcome (ok, or the first error code).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const authEvents = new Counter({
    name: 'gatehouse_auth_events_total',
    help: 'Account and session operations, by operation and outcome (ok, or the error reason or code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const tokenVerifications = new Counter({
    name: 'gatehouse_token_verifications_total',
    help: 'Access token verifications (HTTP and WebSocket), by result: valid, TOKEN_INVALID or TOKEN_EXPIRED.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const loginDuration = new Histogram({
    name: 'gatehouse_login_duration_seconds',
    help: 'Time to answer a login request, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: LOGIN_BUCKETS,
    registers: [registry],
  });
  if (options.poolStats !== undefined) {
    const poolStats = options.poolStats;
    new Gauge({
      name: 'gatehouse_db_pool_connections',
      help: 'PostgreSQL pool connections, by state: total, idle, waiting (requests queued for one).',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const stats = poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }

  return {
    recordHttpRequest(method: string, route: string, status: number): void {
      httpRequests.inc({ method, route, status: String(status) });
    },
    recordOperation(type: string, outcome: string): void {
      operations.inc({ type, outcome });
    },
    recordAuthEvent(operation: string, outcome: string): void {
      authEvents.inc({ operation, outcome });
    },
    recordTokenVerification(result: string): void {
      tokenVerifications.inc({ result });
    },
    recordLoginDuration(seconds: number, outcome: string): void {
      loginDuration.observe({ outcome }, seconds);
    },
    /** The Prometheus text exposition of every metric. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
