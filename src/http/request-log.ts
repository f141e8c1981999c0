import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { OperationLogEntry, OperationLogOptions } from '../graphql/operation-log.js';

export interface RequestLog {
  /** What Apollo's operation log plugin records for the line; undefined when there is no line. */
  readonly operationLog: OperationLogOptions | undefined;
  /** The request's operation log entry, created on first use; its log line carries what it holds. */
  entryFor(request: FastifyRequest): OperationLogEntry;
}

/**
 * One log line per request at LOG_LEVEL info or below. For /graphql it carries the
 * operation (never the query string): what the operation log plugin wrote into the
 * request's entry; at debug and trace, the redacted document and variables too.
 */
export function registerRequestLog(fastify: FastifyInstance, config: Pick<Config, 'logLevel'>): RequestLog {
  const enabled = ['trace', 'debug', 'info'].includes(config.logLevel);
  // Owned here and keyed by the request: the entry lives exactly as long as its request.
  const entries = new WeakMap<FastifyRequest, OperationLogEntry>();
  if (enabled) {
    fastify.addHook('onResponse', (request, reply, done) => {
      fastify.log.info(
        {
          reqId: request.id,
          method: request.method,
          path: request.url.split('?', 1)[0],
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          ...entries.get(request),
        },
        'request',
      );
      done();
    });
  }
  return {
    operationLog: enabled ? { includeDocument: config.logLevel === 'debug' || config.logLevel === 'trace' } : undefined,
    entryFor(request) {
      let entry = entries.get(request);
      if (entry === undefined) {
        entry = {};
        if (enabled) entries.set(request, entry);
      }
      return entry;
    },
  };
}
