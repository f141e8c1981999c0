import { ApolloServer, type ApolloServerOptions } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLContext } from './context.js';
import { deviceTokenPlugin } from './device-token-plugin.js';
import { unavailableStatusPlugin } from './error-mapping.js';
import { operationLogPlugin, type OperationLogOptions } from './operation-log.js';
import { operationMetricsPlugin, type OperationMetrics } from './operation-metrics.js';
import type { GraphQLPipeline } from './pipeline.js';
import { queryCostPlugin } from './query-limits.js';

export interface ApolloServerFactoryOptions {
  /** ENABLE_INTROSPECTION. */
  introspection: boolean;
  /** Where Apollo's own messages go. */
  logger: ApolloServerOptions<GraphQLContext>['logger'];
  /** Fill in each request's operation log entry; undefined when no request log is written. */
  operationLog: OperationLogOptions | undefined;
  /** Count operations for /metrics; undefined when METRICS_TOKEN is unset. */
  metrics?: OperationMetrics | undefined;
}

/** Apollo Server (not yet started) running the shared pipeline for HTTP. */
export function createApolloServer(pipeline: GraphQLPipeline, options: ApolloServerFactoryOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: pipeline.schema,
    introspection: options.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: pipeline.parseOptions,
    // The pipeline's formatError drops "Did you mean …?" in production, on both transports.
    hideSchemaDetailsFromClientErrors: false,
    // main.ts owns shutdown; Apollo's own handler would re-raise the signal and exit 143.
    stopOnTerminationSignals: false,
    ...(options.logger && { logger: options.logger }),
    includeStacktraceInErrorResponses: false,
    // The cheap first pass (pipeline.refuseShape) runs before Apollo, in the HTTP route:
    // Apollo runs these limits again with its own rules, on documents already within them.
    validationRules: [...pipeline.shapeRules],
    formatError: pipeline.formatError,
    stringifyResult: pipeline.stringifyResult,
    plugins: [
      queryCostPlugin(pipeline.checkCost),
      unavailableStatusPlugin(),
      deviceTokenPlugin(),
      ...(options.operationLog ? [operationLogPlugin(options.operationLog)] : []),
      ...(options.metrics ? [operationMetricsPlugin(options.metrics)] : []),
      ApolloServerPluginLandingPageDisabled(),
      // No @cacheControl hints here: the default plugin only adds a hook to every field.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
}
