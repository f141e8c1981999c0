import { ApolloLink, CombinedGraphQLErrors, HttpLink } from '@apollo/client';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode, print, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client as WebSocketClient } from 'graphql-ws';
import { Observable, type Subscription } from 'rxjs';
import { graphQLErrorsOf } from './errors.js';
import {
  createSession,
  isSessionEndReason,
  memoryTokenStorage,
  type Session,
  type SessionEndReason,
  type TokenStorage,
} from './session.js';
import { stepUpLink, type StepUpHandler } from './step-up.js';

export interface GatehouseLinkOptions {
  /** The GraphQL endpoint over HTTP, e.g. `https://api.example.com/graphql`. */
  uri: string;
  /** Where tokens live. @default memoryTokenStorage() */
  storage?: TokenStorage;
  /** The server ended the session (revoked, refresh token reused or unknown): show the login screen. */
  onSessionEnded?: (reason: SessionEndReason) => void;
  /**
   * An HTTP operation was refused with `FORBIDDEN` and reason `MFA_REQUIRED` or
   * `REAUTH_REQUIRED`: prompt the user, run `verifyMfa` or `reauthenticate` through the same
   * client, and resolve true to have the operation sent again (once) with the new token.
   * Operations refused while a prompt is open share it. Without it, the refusal reaches the caller.
   */
  onStepUp?: StepUpHandler;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /**
   * Subscriptions over WebSocket (graphql-ws). `url` defaults to `uri` with ws(s):, and
   * `webSocketImpl` to the global WebSocket (Node 20 has none: pass `ws`'s). `false`: no
   * subscriptions. @default {}
   */
  subscriptions?: false | { url?: string; webSocketImpl?: unknown };
}

export interface GatehouseLink {
  /** Pass to `new ApolloClient({ link, cache })`. */
  readonly link: ApolloLink;
  /** The tokens: read the current one, sign in or out by hand. */
  readonly session: Session;
  /** Closes the subscription socket, if one is open. */
  dispose(): Promise<void>;
}

/** A subscription socket closed by the server, with its close code and reason (e.g. 4401 SESSION_REVOKED). */
export class SocketClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`The subscription socket closed: ${code} ${reason}`.trim());
    this.name = 'SocketClosedError';
  }
}

const UNAUTHORIZED_CLOSE = 4401;
// Mutations whose answer is an AuthPayload: its tokens become the session's (after
// `verifyMfa` and `reauthenticate`, the session's earlier refresh token no longer works).
const SIGN_IN_FIELDS = new Set(['signUp', 'login', 'refreshToken', 'changePassword', 'resetPassword', 'verifyMfa', 'reauthenticate']);
// Mutations that end the caller's session when they answer true.
const SIGN_OUT_FIELDS = new Set(['logout', 'deleteAccount']);

/**
 * Everything between Apollo Client and Gatehouse:
 * - every request carries the current access token;
 * - an answer with `TOKEN_EXPIRED` refreshes the session once (however many requests
 *   failed with that token) and is retried with the new token;
 * - `SESSION_REVOKED`, `REFRESH_TOKEN_REUSED` and `REFRESH_TOKEN_INVALID` forget the
 *   tokens and call `onSessionEnded`;
 * - the answers of `login`, `signUp`, `refreshToken`, `changePassword`, `resetPassword`,
 *   `verifyMfa` and `reauthenticate` sign in, those of `logout` and `deleteAccount` sign
 *   out: the app just runs the mutations;
 * - with `onStepUp`, an answer refused for `MFA_REQUIRED` or `REAUTH_REQUIRED` opens one
 *   prompt (however many operations were refused) and is sent again once it succeeds;
 * - subscriptions go over WebSocket with the token in `connection_init`; when the server
 *   closes the socket because the token expired, the kit refreshes and resubscribes.
 */
export function createGatehouseLink(options: GatehouseLinkOptions): GatehouseLink {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const session = createSession({
    uri: options.uri,
    storage: options.storage ?? memoryTokenStorage(),
    fetch: fetchImpl,
    onSessionEnded: options.onSessionEnded ?? (() => {}),
  });
  // Ends the session only if `token` is still its token: a late answer to a request sent
  // before a new login must not sign the new session out.
  const endIfCurrent = async (token: string, reason: SessionEndReason) => {
    if ((await session.accessToken()) === token) await session.end(reason);
  };

  const http = ApolloLink.from([
    ...(options.onStepUp ? [stepUpLink(options.onStepUp)] : []),
    authLink(session, endIfCurrent),
    sessionCaptureLink(session),
    new HttpLink({ uri: options.uri, fetch: fetchImpl }),
  ]);
  if (options.subscriptions === false) return { link: http, session, dispose: async () => {} };

  const socket = subscriptionClient(options.uri, options.subscriptions ?? {}, session);
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    subscriptionLink(socket, session, endIfCurrent),
    http,
  );
  return { link, session, dispose: socket.dispose };
}

/** The `reason` of an UNAUTHENTICATED answer, as a JSON result or as a non-JSON-typed 401. */
function unauthenticatedReason(resultOrError: unknown): unknown {
  return graphQLErrorsOf(resultOrError).find((error) => error.extensions?.code === 'UNAUTHENTICATED')?.extensions?.reason;
}

function authLink(session: Session, endIfCurrent: (token: string, reason: SessionEndReason) => Promise<void>): ApolloLink {
  return new ApolloLink(
    (operation, forward) =>
      new Observable<ApolloLink.Result>((observer) => {
        let inner: Subscription | undefined;
        let closed = false;

        const send = async (retried: boolean) => {
          const token = await session.accessToken();
          if (closed) return;
          operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => {
            const { authorization: _previous, ...others } = headers;
            return { headers: token === null ? others : { ...others, authorization: `Bearer ${token}` } };
          });
          let renewing = false;
          const renew = (expired: string, giveUp: () => void) => {
            renewing = true;
            inner?.unsubscribe();
            session.refresh(expired).then(
              (fresh) => {
                if (closed) return;
                if (fresh === null) giveUp();
                else void send(true);
              },
              (error: unknown) => observer.error(error),
            );
          };
          const handle = (outcome: unknown, answer: () => void) => {
            const reason = unauthenticatedReason(outcome);
            if (token !== null && reason === 'TOKEN_EXPIRED' && !retried) {
              // The expired answer ends the operation if the session cannot be renewed.
              return renew(token, () => {
                answer();
                observer.complete();
              });
            }
            if (token !== null && isSessionEndReason(reason)) void endIfCurrent(token, reason);
            answer();
          };
          inner = forward(operation).subscribe({
            next: (result) => handle(result, () => observer.next(result)),
            error: (error: unknown) => handle(error, () => observer.error(error)),
            complete: () => {
              if (!renewing) observer.complete();
            },
          });
        };

        send(false).catch((error: unknown) => observer.error(error));
        return () => {
          closed = true;
          inner?.unsubscribe();
        };
      }),
  );
}

/** Keeps the session in step with the mutations that start or end one. */
function sessionCaptureLink(session: Session): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const definition = getMainDefinition(operation.query);
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== OperationTypeNode.MUTATION) {
      return forward(operation);
    }
    return new Observable<ApolloLink.Result>((observer) => {
      // Answers are passed on in order, each once the session reflects it.
      let settled: Promise<unknown> = Promise.resolve();
      const after = (step: () => void, work: Promise<unknown> = Promise.resolve()) => {
        settled = settled.then(() => work).then(step, (error: unknown) => observer.error(error));
      };
      const subscription = forward(operation).subscribe({
        next: (result) => {
          const data = (result as FormattedExecutionResult).data ?? {};
          const updates: Array<Promise<void>> = [];
          for (const selection of definition.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD) continue;
            const value = data[selection.alias?.value ?? selection.name.value] as Record<string, unknown> | boolean | null;
            const field = selection.name.value;
            if (SIGN_IN_FIELDS.has(field) && typeof value === 'object' && value !== null) {
              const { accessToken, refreshToken } = value;
              if (typeof accessToken === 'string' && typeof refreshToken === 'string') {
                updates.push(session.signIn({ accessToken, refreshToken }));
              }
            } else if (SIGN_OUT_FIELDS.has(field) && value === true) {
              updates.push(session.signOut());
            }
          }
          after(() => observer.next(result), Promise.all(updates));
        },
        error: (error: unknown) => after(() => observer.error(error)),
        complete: () => after(() => observer.complete()),
      });
      return () => subscription.unsubscribe();
    });
  });
}

interface SocketClient {
  /** Made at the first subscription: an app that never subscribes needs no WebSocket. */
  client(): WebSocketClient;
  /** The access token the current socket connected with. */
  tokenInUse(): string | null;
  dispose(): Promise<void>;
}

function subscriptionClient(
  uri: string,
  options: { url?: string; webSocketImpl?: unknown },
  session: Session,
): SocketClient {
  let tokenInUse: string | null = null;
  let client: WebSocketClient | undefined;
  return {
    client: () =>
      (client ??= createClient({
        url: options.url ?? uri.replace(/^http/, 'ws'),
        ...(options.webSocketImpl !== undefined && { webSocketImpl: options.webSocketImpl }),
        // Read at every (re)connection: a reconnect uses the newest token.
        connectionParams: async () => {
          tokenInUse = await session.accessToken();
          return tokenInUse === null ? {} : { authorization: `Bearer ${tokenInUse}` };
        },
      })),
    tokenInUse: () => tokenInUse,
    dispose: async () => client?.dispose(),
  };
}

function subscriptionLink(
  socket: SocketClient,
  session: Session,
  endIfCurrent: (token: string, reason: SessionEndReason) => Promise<void>,
): ApolloLink {
  return new ApolloLink(
    (operation) =>
      new Observable<ApolloLink.Result>((observer) => {
        let stop: (() => void) | undefined;
        let closed = false;
        const start = () => {
          stop = socket.client().subscribe<Record<string, unknown>>(
            {
              query: print(operation.query),
              variables: operation.variables,
              ...(operation.operationName && { operationName: operation.operationName }),
            },
            {
              next: (result) => observer.next(result as ApolloLink.Result),
              complete: () => observer.complete(),
              error: (error: unknown) => {
                if (error instanceof Error) return observer.error(error);
                if (!isCloseEvent(error)) {
                  return observer.error(new CombinedGraphQLErrors({ errors: Array.isArray(error) ? error : [error] }));
                }
                const token = socket.tokenInUse();
                const closedError = new SocketClosedError(error.code, error.reason);
                if (error.code !== UNAUTHORIZED_CLOSE || token === null || closed) return observer.error(closedError);
                if (error.reason === 'TOKEN_EXPIRED') {
                  // The token ran out on an open socket: renew it and subscribe again.
                  session.refresh(token).then(
                    (fresh) => {
                      if (closed) return;
                      if (fresh === null || fresh === token) observer.error(closedError);
                      else start();
                    },
                    (refreshError: unknown) => observer.error(refreshError),
                  );
                  return;
                }
                if (isSessionEndReason(error.reason)) void endIfCurrent(token, error.reason);
                observer.error(closedError);
              },
            },
          );
        };
        start();
        return () => {
          closed = true;
          stop?.();
        };
      }),
  );
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}
