import type { IncomingHttpHeaders } from 'node:http';
import { HeaderMap } from '@apollo/server';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { deviceTokenOf } from '../auth/device-token.js';
import { resolveViewer, type Viewer } from '../auth/viewer.js';
import { AuthenticationError, CONTRACT_CODE } from '../errors.js';
import type { GraphQLContext, Services } from './context.js';
import { isDatabaseUnavailable } from '../db/database.js';
import { extensionsFor, serviceUnavailableError } from './error-mapping.js';
import { errorCodeOf, type OperationLogEntry } from './operation-log.js';
import { NO_DEADLINE, startDeadline, type ExecutionDeadline } from './execution-deadline.js';

// Longer User-Agent strings are cut before they are stored on a session.
const MAX_USER_AGENT_LENGTH = 512;

/** Who is calling: the same for an HTTP request and a WebSocket's upgrade request. */
export interface ClientInfo {
  /** The client's address, TRUST_PROXY applied. */
  readonly clientIp: string;
  /** The client's User-Agent, cut to a bounded length. */
  readonly userAgent: string | null;
}

/**
 * Builds each HTTP request's context: verifies the bearer token once and resolves the
 * Viewer. A bad token fails the whole request here, before any resolver runs: Apollo reads
 * the HTTP status from the error it is given, so it must already carry 401 (RFC 6750 §3.1).
 */
export function createContextFunction(services: Services, { executionTimeoutMs }: { executionTimeoutMs: number }) {
  return async (
    headers: IncomingHttpHeaders,
    client: ClientInfo,
    operationLog: OperationLogEntry,
  ): Promise<GraphQLContext> => {
    const deadline = startDeadline(executionTimeoutMs);
    let viewer: GraphQLContext['viewer'];
    try {
      viewer = await resolveViewer(services, headers.authorization);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        operationLog.errorCodes = [CONTRACT_CODE.SERVICE_UNAVAILABLE];
        throw serviceUnavailableError();
      }
      if (!(error instanceof AuthenticationError)) throw error;
      // Apollo runs no plugin for a request whose context fails: record the outcome here.
      operationLog.errorCodes = [errorCodeOf(extensionsFor(error))];
      throw toUnauthorizedError(error);
    }
    let loaders: GraphQLContext['loaders'] | undefined;
    return {
      viewer,
      services,
      ...client,
      operationLog,
      credentialsVerifiedFor: new Set(),
      device: { presented: deviceTokenOf(headers), issued: null },
      longLived: false,
      deadline,
      // Made on first use: most operations (`me`, mutations) never load a user by id.
      get loaders() {
        return (loaders ??= { userById: createUserLoader(services, viewer, { deadline }) });
      },
    };
  };
}

/**
 * The context of one operation on a subscription socket. The viewer is read at each
 * event, so a role change applies to the next one; the socket's token was verified when
 * it opened, and is re-checked on every change feed event that could end its session.
 */
export function createSocketContext(services: Services, client: ClientInfo, viewerOf: () => Viewer | null): GraphQLContext {
  return {
    get viewer() {
      return viewerOf();
    },
    services,
    ...client,
    // No log line per socket operation: the socket's own line is written when it closes.
    operationLog: {},
    credentialsVerifiedFor: new Set(),
    // Sign-ins are mutations, which sockets do not serve.
    device: { presented: null, issued: null },
    longLived: true,
    deadline: NO_DEADLINE,
    // Batches within one event's execution; no cache, since the context lives as long as the socket.
    loaders: { userById: createUserLoader(services, null, { cache: false }) },
  };
}

function toUnauthorizedError(error: AuthenticationError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      ...extensionsFor(error),
      http: {
        status: 401,
        headers: new HeaderMap([['www-authenticate', 'Bearer error="invalid_token"']]),
      },
    },
  });
}

/** The client's User-Agent as sessions record it: cut to a bounded length. */
export function userAgentOf(headers: IncomingHttpHeaders): string | null {
  const userAgent = headers['user-agent'];
  return userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT_LENGTH);
}

/**
 * Users by id, batched per request; the caller's own record is already known. `cache:
 * false` for a context that outlives a request (a subscription's socket): it batches
 * within one execution but never serves a record older than the read cache's.
 */
export function createUserLoader(
  services: Services,
  viewer: GraphQLContext['viewer'],
  { cache = true, deadline = NO_DEADLINE }: { cache?: boolean; deadline?: ExecutionDeadline } = {},
) {
  const loader = new DataLoader(
    async (ids: readonly string[]) => {
      deadline.check();
      return services.users.findByIds(ids);
    },
    { cache },
  );
  if (viewer !== null && cache) loader.prime(viewer.userId, viewer.user);
  return loader;
}
