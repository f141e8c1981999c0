import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, getOperationAST, getVariableValues, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { clientIpKey } from '../auth/client-ip.js';
import { recheckViewer, resolveViewer, type Viewer } from '../auth/viewer.js';
import { sessionsRevoked } from '../auth/sessions-revoked.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { isDatabaseUnavailable } from '../db/database.js';
import { userChanged } from '../users/user-changed.js';
import { AuthenticationError, CONTRACT_CODE, CONTRACT_REASON, type ContractCode, type ContractReason } from '../errors.js';
import { CLOCK_TOLERANCE_SECONDS } from '../tokens/access-token.js';
import type { Services } from './context.js';
import type { ClientInfo } from './create-context.js';
import type { GraphQLPipeline } from './pipeline.js';
import { createSocketCounter, SOCKET_LIMITS, SOCKET_REFUSALS, type SocketLimits } from './socket-limits.js';
import { isAllowedSocketOrigin } from './socket-origin.js';

/** graphql-ws's and RFC 6455's close codes we send. */
const CLOSE = {
  /** A bad, expired or revoked token (graphql-ws's "Unauthorized"). The reason names which. */
  unauthorized: 4401,
  /** The server is shutting down: reconnect (to another instance). */
  goingAway: 1001,
  /** The database cannot be reached to check the token: reconnect shortly. */
  tryAgainLater: 1013,
  internalError: 4500,
  /**
   * A bound of SOCKET_LIMITS is reached (per address, in total, or subscriptions on one
   * socket); the reason names which. graphql-ws sends it too, for a second connection_init.
   */
  tooMany: 4429,
} as const;

// A shutdown waits this long for clients to answer the close handshake, then cuts.
const CLOSE_HANDSHAKE_MS = 1_000;
// setTimeout's longest delay; a token living longer (ACCESS_TOKEN_TTL_SECONDS is unbounded) re-arms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The slice of the server's (pino) logger this module writes to. */
interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SubscriptionServerOptions {
  /** The HTTP path's parse limits, rules, cost check, context and error formatting. */
  pipeline: GraphQLPipeline;
  services: Services;
  /**
   * Revocations and role changes, here and on other instances: a revoked session's sockets
   * close with 4401, a changed user's re-read it. Subscribed after the kernel's caches, so
   * the sockets re-read what those have just forgotten.
   */
  changes: Pick<ChangeFeed, 'on' | 'onReset'>;
  /** The largest WebSocket message accepted, in bytes. */
  maxPayloadBytes: number;
  /** The origins a browser's handshake may come from (CORS_ORIGINS); empty = the server's own only. */
  allowedOrigins: readonly string[];
  /** @default SOCKET_LIMITS (tests lower them) */
  limits?: Partial<SocketLimits>;
  log: Log;
}

/** One authenticated (or anonymous) socket. */
interface Connection {
  readonly socket: WebSocket;
  viewer: Viewer | null;
  expiryTimer: NodeJS.Timeout | undefined;
  readonly client: ClientInfo;
  readonly openedAt: number;
  operations: number;
}

export interface SubscriptionServer {
  /** For the HTTP server's `upgrade` event: /graphql becomes a graphql-ws socket, anything else is refused. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket with 1001 (cutting those that do not answer) and refuses new ones. */
  close(): Promise<void>;
}

/**
 * GraphQL over WebSocket (graphql-ws) on /graphql, for subscriptions. The token in
 * `connection_init` is verified exactly like a bearer header; the socket is closed with
 * 4401 when its token expires or its session ends, and its viewer follows role changes.
 * Queries and mutations stay on HTTP, where CSRF prevention, brute-force limits and the
 * request log apply.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { pipeline, services, log } = options;
  const { schema } = pipeline;
  const connections = new Map<WebSocket, Connection>();
  // Who is behind each upgrade request, computed once when the socket is counted.
  const clients = new WeakMap<IncomingMessage, ClientInfo>();
  const limits: SocketLimits = { ...SOCKET_LIMITS, ...options.limits };
  const counter = createSocketCounter(limits);
  // Bumped by every change that could end a session: a connection whose token was checked
  // before the change arrived is checked again.
  let changesSeen = 0;
  let closing = false;

  const webSockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });

  const unauthorized = (connection: Pick<Connection, 'socket'>, reason: ContractReason) =>
    connection.socket.close(CLOSE.unauthorized, reason);

  const armExpiry = (connection: Connection) => {
    clearTimeout(connection.expiryTimer);
    connection.expiryTimer = undefined;
    if (connection.viewer === null) return;
    // The token stops verifying at exp + tolerance; the socket ends then too.
    const delay = (connection.viewer.tokenExpiresAt + CLOCK_TOLERANCE_SECONDS) * 1000 - Date.now();
    if (delay <= 0) return unauthorized(connection, CONTRACT_REASON.TOKEN_EXPIRED);
    connection.expiryTimer = setTimeout(() => armExpiry(connection), Math.min(delay, MAX_TIMER_MS));
  };

  const recheck = async (connection: Connection) => {
    if (connection.viewer === null) return;
    try {
      connection.viewer = await recheckViewer(services, connection.viewer);
    } catch (error) {
      if (error instanceof AuthenticationError) return unauthorized(connection, error.code);
      // The database is away: the socket stays until the check can be made (the next change or reset).
      log.warn({ error: (error as Error).message }, 'could not check a subscription socket’s session');
    }
  };

  const formatErrors = (errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      // `extensions.http` is for Apollo's HTTP responses only (as Apollo strips it there).
      const { http: _http, ...extensions } = error.extensions;
      return pipeline.formatError({ ...error.toJSON(), extensions }, error);
    });

  const graphqlWs = useServer<Record<string, unknown> | undefined, { request: IncomingMessage; socket: WebSocket }>(
    {
      schema,
      isProd: pipeline.isProduction,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const authorization = params.authorization ?? params.Authorization;
        if (authorization !== undefined && authorization !== null && typeof authorization !== 'string') {
          unauthorized({ socket }, CONTRACT_REASON.TOKEN_INVALID);
          return false;
        }
        let viewer: Viewer | null;
        const changesBefore = changesSeen;
        try {
          viewer = await resolveViewer(services, authorization ?? undefined);
        } catch (error) {
          if (error instanceof AuthenticationError) unauthorized({ socket }, error.code);
          else if (isDatabaseUnavailable(error)) socket.close(CLOSE.tryAgainLater, 'Database unavailable');
          else {
            log.error({ err: error }, 'unexpected error while opening a subscription socket');
            socket.close(CLOSE.internalError, 'Internal server error');
          }
          return false;
        }
        if (socket.readyState !== WebSocket.OPEN) return false;
        const connection: Connection = {
          socket,
          viewer,
          expiryTimer: undefined,
          client: clients.get(request) ?? pipeline.clientOf(request),
          openedAt: performance.now(),
          operations: 0,
        };
        connections.set(socket, connection);
        armExpiry(connection);
        // A revocation that arrived while the token was being checked may have missed it.
        if (changesSeen !== changesBefore) await recheck(connection);
        return socket.readyState === WebSocket.OPEN;
      },

      onSubscribe: (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (connection === undefined) return [coded('The connection is closing.', CONTRACT_CODE.UNAUTHENTICATED)];
        let document: DocumentNode;
        try {
          document = pipeline.parse(payload.query);
        } catch (error) {
          return [coded((error as Error).message, CONTRACT_CODE.GRAPHQL_PARSE_FAILED)];
        }
        const invalid = pipeline.validate(document);
        if (invalid.length > 0) return invalid.map((error) => coded(error.message, CONTRACT_CODE.GRAPHQL_VALIDATION_FAILED, error));
        const operationName = payload.operationName ?? null;
        const operation = getOperationAST(document, operationName);
        if (operation == null) {
          return [coded('Name the operation to run: the document has several, or none by that name.', CONTRACT_CODE.BAD_REQUEST)];
        }
        if (operation.operation !== 'subscription') {
          return [
            coded(
              'Only subscriptions are served over WebSocket; send queries and mutations over HTTP to /graphql.',
              CONTRACT_CODE.BAD_REQUEST,
            ),
          ];
        }
        const variables = payload.variables ?? {};
        // As Apollo does over HTTP: bad variables are the client's mistake, BAD_USER_INPUT.
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 10 });
        if (coerced.errors !== undefined) {
          return coerced.errors.map((error) => coded(error.message, CONTRACT_CODE.BAD_USER_INPUT, error));
        }
        const tooCostly = pipeline.checkCost(document, variables, operationName);
        if (tooCostly !== undefined) return [tooCostly];
        // graphql-ws has registered this one already: it holds every running subscription.
        if (Object.keys(ctx.subscriptions).length > limits.maxOperationsPerSocket) {
          connection.socket.close(CLOSE.tooMany, SOCKET_REFUSALS.perSocket);
          return [coded('Too many subscriptions on this socket.', CONTRACT_CODE.BAD_REQUEST)];
        }
        connection.operations++;
        return {
          schema,
          document,
          operationName,
          variableValues: variables,
          contextValue: pipeline.createSocketContext(connection.client, () => connection.viewer),
        };
      },

      onNext: (_ctx, _id, _payload, _args, result: ExecutionResult) =>
        result.errors === undefined ? undefined : { ...result, errors: formatErrors(result.errors) },

      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),

      onClose: (ctx, code) => {
        const connection = connections.get(ctx.extra.socket);
        connections.delete(ctx.extra.socket);
        clearTimeout(connection?.expiryTimer);
        // One line per socket, like one per HTTP request (refused ones included).
        log.info(
          {
            path: '/graphql',
            transport: 'websocket',
            userId: connection?.viewer?.userId,
            closeCode: code,
            operations: connection?.operations ?? 0,
            ...(connection && { ms: Math.round(performance.now() - connection.openedAt) }),
          },
          'websocket closed',
        );
      },
    },
    webSockets,
  );

  options.changes.on(sessionsRevoked, ({ sessionIds }) => {
    changesSeen++;
    const ended = new Set(sessionIds);
    for (const connection of connections.values()) {
      if (connection.viewer !== null && ended.has(connection.viewer.sessionId)) unauthorized(connection, CONTRACT_REASON.SESSION_REVOKED);
    }
  });
  options.changes.on(userChanged, ({ userId }) => {
    changesSeen++;
    for (const connection of connections.values()) if (connection.viewer?.userId === userId) void recheck(connection);
  });
  options.changes.onReset(() => {
    changesSeen++;
    for (const connection of connections.values()) void recheck(connection);
  });

  return {
    handleUpgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const path = request.url?.split('?', 1)[0];
      if (closing || path !== '/graphql') {
        const status = closing ? '503 Service Unavailable' : '404 Not Found';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      if (!isAllowedSocketOrigin(request.headers, options.allowedOrigins)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      webSockets.handleUpgrade(request, socket, head, (webSocket) => {
        // Counted from the upgrade on, so sockets that never send connection_init count too.
        const client = pipeline.clientOf(request);
        clients.set(request, client);
        // Keyed like the login throttle: an IPv6 /64 is one client, as it is routinely one subscriber's.
        const admitted = counter.admit(clientIpKey(client.clientIp));
        if ('refused' in admitted) {
          log.info({ path: '/graphql', transport: 'websocket', closeCode: CLOSE.tooMany, reason: admitted.refused }, 'websocket refused');
          webSocket.close(CLOSE.tooMany, admitted.refused);
          // Uncounted, it may not outlive the close handshake (ws would wait 30 s for a silent client).
          const cut = setTimeout(() => webSocket.terminate(), CLOSE_HANDSHAKE_MS);
          webSocket.once('close', () => clearTimeout(cut));
          return;
        }
        webSocket.once('close', admitted.release);
        webSockets.emit('connection', webSocket, request);
      });
    },

    async close() {
      closing = true;
      const open = [...webSockets.clients];
      const closed = Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)));
      await graphqlWs.dispose();
      await Promise.race([closed, cut]);
      clearTimeout(timer);
      for (const socket of webSockets.clients) socket.terminate();
    },
  };
}

function coded(message: string, code: ContractCode, source?: GraphQLError): GraphQLError {
  return new GraphQLError(message, { ...(source?.nodes && { nodes: source.nodes }), extensions: { code } });
}
