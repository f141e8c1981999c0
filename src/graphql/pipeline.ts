import type { IncomingMessage } from 'node:http';
import {
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { Viewer } from '../auth/viewer.js';
import { describeDatabaseError } from '../db/database.js';
import type { GraphQLContext, Services } from './context.js';
import { createContextFunction, createSocketContext, userAgentOf, type ClientInfo } from './create-context.js';
import { createFormatError } from './error-mapping.js';
import type { OperationLogEntry } from './operation-log.js';
import {
  EXECUTION_LIMITS,
  QUERY_LIMITS,
  createBoundedStringify,
  createCostCheck,
  queryLimitRules,
  type CostCheck,
  type ExecutionLimits,
} from './query-limits.js';

/** The slice of the server's (pino) logger the pipeline writes to. */
interface Log {
  error(fields: object, message: string): void;
}

export interface GraphQLPipelineOptions {
  schema: GraphQLSchema;
  services: Services;
  /** No "Did you mean …?" in messages and unexpected errors masked. */
  isProduction: boolean;
  /** The client's address for an HTTP request or a WebSocket upgrade request, TRUST_PROXY applied. */
  clientAddress: (request: IncomingMessage) => string;
  log: Log;
  /** @default EXECUTION_LIMITS (tests lower them) */
  executionLimits?: Partial<ExecutionLimits> | undefined;
}

/**
 * What every GraphQL operation goes through, whichever transport brought it: built once,
 * so that a limit or a masking rule cannot hold over HTTP and not over WebSocket.
 */
export interface GraphQLPipeline {
  readonly schema: GraphQLSchema;
  readonly isProduction: boolean;
  /** graphql-js's parse options: the token limit, counted while parsing. */
  readonly parseOptions: ParseOptions;
  /** The cheap first pass (selections, depth, aliases, directives): linear in the document. */
  checkShape(document: DocumentNode): readonly GraphQLError[];
  /** The same pass's rules, for Apollo's validation (where they run beside graphql-js's). */
  readonly shapeRules: readonly ValidationRule[];
  /**
   * For the HTTP route, before Apollo: parses `query` and runs checkShape, so that
   * graphql-js's costlier rules never see a document outside the limits. The refusal's
   * message, or undefined (a syntax error is left to Apollo, which reports it).
   */
  refuseShape(query: string): string | undefined;
  /** The cost limit, once variables are known. */
  readonly checkCost: CostCheck;
  /** Serialises an HTTP response, refusing one over the response size bound. */
  readonly stringifyResult: (value: unknown) => string;
  /** Every error on its way to a client: contract codes, masking, no suggestions in production. */
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Parses as Apollo does with parseOptions; throws graphql-js's syntax GraphQLError. */
  parse(source: string): DocumentNode;
  /** checkShape, then (only if it passed) graphql-js's specified rules. */
  validate(document: DocumentNode): readonly GraphQLError[];
  /** Who is calling: address and User-Agent, from an HTTP request or a WebSocket upgrade request. */
  clientOf(request: IncomingMessage): ClientInfo;
  /** An HTTP request's context: verifies its bearer token once. */
  createContext(request: IncomingMessage, operationLog: OperationLogEntry): Promise<GraphQLContext>;
  /** A subscription socket's context for one operation; `viewerOf` is read at each event. */
  createSocketContext(client: ClientInfo, viewerOf: () => Viewer | null): GraphQLContext;
}

// Query texts known to pass the shape check: the last 1,000 of at most 8,000 characters
// each (an app's operations are far shorter), so at most ~8 MB whatever clients send.
const ACCEPTED_SHAPES_KEPT = 1_000;
const ACCEPTED_SHAPE_MAX_LENGTH = 8_000;

/** A set that forgets its oldest member beyond `capacity`. */
function createRecentSet(capacity: number): { has(key: string): boolean; add(key: string): void } {
  const members = new Set<string>();
  return {
    has: (key) => members.has(key),
    add(key) {
      members.add(key);
      if (members.size > capacity) members.delete(members.values().next().value!);
    },
  };
}

/** Builds the pipeline both Apollo (HTTP) and the subscription server (WebSocket) run. */
export function createGraphQLPipeline(options: GraphQLPipelineOptions): GraphQLPipeline {
  const { schema, services, isProduction, log } = options;
  const parseOptions: ParseOptions = { maxTokens: QUERY_LIMITS.maxTokens };
  const checkShape = (document: DocumentNode) => validate(schema, document, queryLimitRules);
  const acceptedShapes = createRecentSet(ACCEPTED_SHAPES_KEPT);
  const clientOf = (request: IncomingMessage): ClientInfo => ({
    clientIp: options.clientAddress(request),
    userAgent: userAgentOf(request.headers),
  });
  const limits: ExecutionLimits = { ...EXECUTION_LIMITS, ...options.executionLimits };
  const contextOf = createContextFunction(services, { executionTimeoutMs: limits.executionTimeoutMs });
  return {
    schema,
    isProduction,
    parseOptions,
    checkShape,
    shapeRules: queryLimitRules,
    refuseShape: (query) => {
      // A client sends the same few documents again and again: parsing and checking one
      // each time cost more than the rest of Apollo's work for `me`. A text that passed
      // passes again (the schema is fixed), so it is remembered; refusals are not.
      if (acceptedShapes.has(query)) return undefined;
      let document: DocumentNode;
      try {
        document = parse(query, parseOptions);
      } catch {
        return undefined;
      }
      const refused = checkShape(document)[0]?.message;
      if (refused === undefined && query.length <= ACCEPTED_SHAPE_MAX_LENGTH) acceptedShapes.add(query);
      return refused;
    },
    checkCost: createCostCheck(schema),
    stringifyResult: createBoundedStringify(limits.maxResponseBytes),
    formatError: createFormatError({
      maskInternalErrors: isProduction,
      // Suggestions map the schema for whoever asks.
      hideSuggestions: isProduction,
      onInternalError: (error) => logInternalError(log, error),
    }),
    parse: (source) => parse(source, parseOptions),
    validate: (document) => {
      const refused = checkShape(document);
      return refused.length > 0 ? refused : validate(schema, document, specifiedRules);
    },
    clientOf,
    createContext: (request, operationLog) => contextOf(request.headers, clientOf(request), operationLog),
    createSocketContext: (client, viewerOf) => createSocketContext(services, client, viewerOf),
  };
}

function logInternalError(log: Log, error: unknown): void {
  const databaseError = describeDatabaseError(error);
  if (databaseError !== undefined) log.error({ error: databaseError }, 'unexpected database error');
  else log.error({ err: error }, 'unexpected error');
}
