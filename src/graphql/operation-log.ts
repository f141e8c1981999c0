import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, print, visit, type DocumentNode, type ValueNode } from 'graphql';

/**
 * What the log line of one /graphql request says about its operation. Filled in by this
 * plugin as the request goes (who, what and how it ended; the context function when it
 * refuses the request) and written once, by the HTTP layer, when the response is sent.
 */
export interface OperationLogEntry {
  operationName?: string | null;
  operationType?: string;
  userId?: string;
  /** `code` or `code:reason` of every error in the response, in order, without repeats. */
  errorCodes?: string[];
  /** At debug level only: the document with every string literal replaced. */
  query?: string;
  /** At debug level only: the variables with every secret-looking value replaced. */
  variables?: unknown;
}

export const REDACTED = '[REDACTED]';

// Names under which clients send secrets: password, currentPassword, newPassword,
// refreshToken, accessToken, token, secret, authorization, cookie, apiKey…
const SECRET_KEY = /pass|token|secret|authori[sz]ation|cookie|credential|api[-_]?key/i;
// Deeper than this, values are not logged at all: nothing legitimate nests so deep, and
// walking a hostile 100 KiB of nesting must not cost a stack.
const MAX_LOGGED_DEPTH = 6;

/**
 * A copy of an operation's variables fit for the log, depth bounded. A variable is a
 * secret if its name looks like one, or if the document passes it to an argument or
 * input field whose name does (`changePassword(currentPassword: $c)`): a variable's
 * name is the client's choice.
 */
export function redactVariables(document: DocumentNode, variables: Record<string, unknown>): unknown {
  const secretVariables = new Set<string>();
  const markSecret = (name: string, value: ValueNode) => {
    if (SECRET_KEY.test(name) && value.kind === Kind.VARIABLE) secretVariables.add(value.name.value);
  };
  visit(document, {
    Argument: (node) => markSecret(node.name.value, node.value),
    ObjectField: (node) => markSecret(node.name.value, node.value),
  });
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      secretVariables.has(name) || SECRET_KEY.test(name) ? REDACTED : redactValue(value, 1),
    ]),
  );
}

function redactValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_LOGGED_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) ? REDACTED : redactValue(item, depth + 1),
    ]),
  );
}

/** The document as text with every string literal replaced: a password may be written inline. */
export function redactDocument(document: DocumentNode): string {
  return print(
    visit(document, {
      StringValue: (node) => ({ ...node, value: REDACTED, block: false }),
    }),
  );
}

export interface OperationLogOptions {
  /** Add the redacted document and variables to each line (LOG_LEVEL debug or trace). */
  includeDocument: boolean;
}

/** What the plugin reads from a request's context (GraphQLContext has it). */
export interface OperationLogContext {
  readonly operationLog: OperationLogEntry;
  readonly viewer: { readonly userId: string } | null;
  readonly credentialsVerifiedFor: ReadonlySet<string>;
}

/** Records each operation's name, type, user and error codes into the request's OperationLogEntry. */
export function operationLogPlugin(options: OperationLogOptions): ApolloServerPlugin<OperationLogContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, operationName, document, request }) {
          const entry = contextValue.operationLog;
          entry.operationName = operationName;
          if (operation !== undefined) entry.operationType = operation.operation;
          if (options.includeDocument) {
            entry.query = redactDocument(document);
            entry.variables = redactVariables(document, request.variables ?? {});
          }
        },
        async willSendResponse({ contextValue, response }) {
          // Whose credentials the operation proved (login, signUp…), else the bearer's.
          const [proved] = contextValue.credentialsVerifiedFor;
          const userId = proved ?? contextValue.viewer?.userId;
          if (userId !== undefined) contextValue.operationLog.userId = userId;
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors === undefined || errors.length === 0) return;
          const codes = errors.map((error) => errorCodeOf(error.extensions ?? {}));
          contextValue.operationLog.errorCodes = [...new Set(codes)];
        },
      };
    },
  };
}

/** `code` or `code:reason`, for an error that ended a request before Apollo ran. */
export function errorCodeOf(extensions: Readonly<Record<string, unknown>>): string {
  return extensions.reason === undefined
    ? String(extensions.code)
    : `${String(extensions.code)}:${String(extensions.reason)}`;
}
