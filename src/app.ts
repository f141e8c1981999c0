import type { Config } from './config.js';
import { CONTRACT_CODE } from './errors.js';
import { openDatabase } from './db/database.js';
import { createApolloServer } from './graphql/apollo-server.js';
import { createGraphQLPipeline, type GraphQLPipelineOptions } from './graphql/pipeline.js';
import type { GatehouseModule } from './graphql/module.js';
import { startModules, type StartedModules } from './graphql/start-modules.js';
import { createSubscriptionServer, type SubscriptionServer, type SubscriptionServerOptions } from './graphql/subscription-server.js';
import { registerBrowserPolicies } from './http/browser-policies.js';
import { registerDrain } from './http/drain.js';
import { registerErrorReplies } from './http/error-replies.js';
import { registerGraphQLRoute } from './http/graphql-route.js';
import { BODY_LIMIT_BYTES, createHttpServer, type ConnectionLimits } from './http/http-server.js';
import { registerJwksRoute } from './http/jwks-route.js';
import { registerMetricsRoute } from './http/metrics-route.js';
import { registerModuleRoutes } from './http/module-routes.js';
import { listen } from './http/listen.js';
import { registerProbes } from './http/probes.js';
import { registerRequestLog } from './http/request-log.js';
import { clientAddress, trustedProxies } from './http/trusted-proxies.js';
import { createKernel, type KernelOptions } from './kernel.js';
import { createMetrics } from './metrics/metrics.js';
import { modules } from './modules/registry.js';

export interface App {
  /** Base URL, e.g. http://127.0.0.1:4000; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  /** Stops accepting, finishes in-flight requests, closes the database. Idempotent. */
  stop(): Promise<void>;
}

export interface AppOptions extends KernelOptions {
  /** Where JSON log lines go; stdout by default. */
  logStream?: NodeJS.WritableStream;
  /** Called with the SQL text of every query the server makes (tests count them). */
  onQuery?: (sql: string) => void;
  /** The modules to run instead of the registry's (tests add one of their own). */
  modules?: readonly GatehouseModule[];
  /** Bounds on subscription sockets; SOCKET_LIMITS by default (tests lower them). */
  socketLimits?: SubscriptionServerOptions['limits'];
  /** Shorter HTTP timeouts or a lower connection cap than CONNECTION_LIMITS (tests). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** A shorter time budget or a smaller response bound than EXECUTION_LIMITS (tests). */
  executionLimits?: GraphQLPipelineOptions['executionLimits'];
}

/** Builds and starts the server on config.port (0 = any free port). Reads no environment. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const trusted = trustedProxies(config.trustProxy);
  const http = createHttpServer(config, { ...options, trusted });
  const log = http.log;

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    onError: (error) => log.warn({ error: error.message }, 'database connection problem'),
    ...(options.onQuery && { onQuery: options.onQuery }),
  });
  let kernel: Awaited<ReturnType<typeof createKernel>> | undefined;
  let started: StartedModules | undefined;
  let apollo: ReturnType<typeof createApolloServer> | undefined;
  let subscriptions: SubscriptionServer | undefined;
  let url: string;
  const drain = registerDrain(http, config);
  const requestLog = registerRequestLog(http, config);
  // Only with METRICS_TOKEN: otherwise nothing is counted and /metrics is an unknown path (404).
  const metrics =
    config.metricsToken === undefined
      ? undefined
      : createMetrics({ ...(database.poolStats && { poolStats: database.poolStats }) });
  if (metrics !== undefined) registerMetricsRoute(http, { token: config.metricsToken!, ...metrics });
  try {
    await database.migrate();
    kernel = await createKernel(config, database, log, {
      ...options,
      ...(metrics && { onTokenVerified: metrics.recordTokenVerification }),
    });
    const { services } = kernel;
    started = await startModules(options.modules ?? modules, kernel, () => new Set(database.changes.topics.keys()));
    const clientOf = (request: Parameters<typeof clientAddress>[0]) => clientAddress(request, trusted);
    const pipeline = createGraphQLPipeline({ schema: started.schema, services, isProduction: config.isProduction, clientAddress: clientOf, log, executionLimits: options.executionLimits });
    apollo = createApolloServer(pipeline, { introspection: config.enableIntrospection, logger: log, operationLog: requestLog.operationLog, metrics });
    await apollo.start();

    await registerBrowserPolicies(http, config);
    registerGraphQLRoute(http, apollo, {
      context: (request) => pipeline.createContext(request.raw, requestLog.entryFor(request)),
      ide: config.enablePlayground,
      refuseShape: pipeline.refuseShape,
      onRefused: (request) => {
        requestLog.entryFor(request).errorCodes = [CONTRACT_CODE.GRAPHQL_VALIDATION_FAILED];
      },
    });
    registerProbes(http, database, () => drain.draining);
    registerErrorReplies(http, config);
    registerJwksRoute(http, kernel.signingKey.jwks);
    registerModuleRoutes(http, started.routes);

    const sockets = { allowedOrigins: config.corsOrigins, limits: options.socketLimits };
    subscriptions = createSubscriptionServer({ pipeline, services, changes: database.changes, maxPayloadBytes: BODY_LIMIT_BYTES, log, ...sockets });
    http.server.on('upgrade', subscriptions.handleUpgrade);

    url = await listen(http, config);
    kernel.setServerUrl(url);
  } catch (error) {
    kernel?.close();
    await subscriptions?.close().catch(() => {});
    await started?.close().catch(() => {});
    await apollo?.stop().catch(() => {});
    await http.close().catch(() => {});
    await database.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopping ??= (async () => {
        kernel?.close();
        try {
          await drain.close({
            // Sockets live until told to go: 1001 sends their clients to reconnect elsewhere.
            whileSettling: async () => subscriptions?.close(),
            afterClose: async () => {
              await apollo?.stop();
              await started?.close();
            },
          });
        } finally {
          await database.close();
        }
      })();
      return stopping;
    },
  };
}
