import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type GraphQLFormattedError } from 'graphql';
import { CONTRACT_CODES, CONTRACT_REASONS } from '../errors.js';
import type { GraphQLContext } from './context.js';

/** Where the operation metrics go (the server's Prometheus metrics). */
export interface OperationMetrics {
  recordOperation(type: string, outcome: string): void;
  recordAuthEvent(operation: string, outcome: string): void;
  recordLoginDuration(seconds: number, outcome: string): void;
}

// The account and session mutations counted one by one: schema names, a closed set.
const AUTH_OPERATIONS = new Set([
  'signUp',
  'login',
  'refreshToken',
  'logout',
  'revokeSession',
  'changePassword',
  'deleteAccount',
  'setUserRole',
  'setUserDisabled',
  'revokeUserSessions',
]);
const KNOWN_OUTCOMES = new Set<string>([...CONTRACT_CODES, ...CONTRACT_REASONS]);

/**
 * Counts each HTTP operation by type and outcome, each account mutation by name and
 * outcome, and times logins. Outcomes are `ok` or a contract code or reason (anything else
 * is `other`), so no label takes a value a client chooses. A request refused by the context
 * (a bad token: 401) runs no plugin; it is counted by the HTTP request metrics.
 */
export function operationMetricsPlugin(metrics: OperationMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          metrics.recordOperation(operation?.operation ?? 'unknown', outcomeOf(errors[0], 'code'));
          if (operation?.operation !== 'mutation') return;
          for (const selection of operation.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD || !AUTH_OPERATIONS.has(selection.name.value)) continue;
            const key = selection.alias?.value ?? selection.name.value;
            const outcome = outcomeOf(errors.find((error) => error.path?.[0] === key), 'reason');
            metrics.recordAuthEvent(selection.name.value, outcome);
            if (selection.name.value === 'login') metrics.recordLoginDuration((performance.now() - started) / 1000, outcome);
          }
        },
      };
    },
  };
}

/** `ok`, the error's reason (when asked for and present) or code, or `other`. */
function outcomeOf(error: GraphQLFormattedError | undefined, detail: 'code' | 'reason'): string {
  if (error === undefined) return 'ok';
  const value = (detail === 'reason' ? error.extensions?.reason : undefined) ?? error.extensions?.code;
  return typeof value === 'string' && KNOWN_OUTCOMES.has(value) ? value : 'other';
}
