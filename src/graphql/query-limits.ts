import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { CONTRACT_CODE } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination/connection.js';

/** What one operation may ask for; beyond it, GRAPHQL_VALIDATION_FAILED before anything runs. */
export const QUERY_LIMITS = {
  /** Nested levels of fields (the contract: more than 10 is refused). Fragments add no level. */
  maxDepth: 10,
  /** Aliased fields in one operation (the contract: more than 15 is refused). */
  maxAliases: 15,
  /** Directives in one operation. */
  maxDirectives: 20,
  /** Lexical tokens in one document, counted while parsing. */
  maxTokens: 5_000,
  /**
   * Estimated cost: 1 per field, a connection's selection times the page it asks for.
   * `feed(first: 100)` with a post's fields and its author costs ~800; the same feed
   * asking each author for 100 posts of their own would cost ~80,000.
   */
  maxCost: 10_000,
} as const;

// graphql-armor's rules throw out of validate() by default, and prefix their messages
// with "Syntax Error"; reported this way they are ordinary validation errors (400).
const reportTo = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
const reject = { propagateOnRejection: false, onReject: [reportTo] };

/** Depth, alias and directive limits: they depend on the document only, so Apollo may cache them. */
export const queryLimitRules: ValidationRule[] = [
  maxDepthRule({ n: QUERY_LIMITS.maxDepth, flattenFragments: true, ...reject }),
  maxAliasesRule({ n: QUERY_LIMITS.maxAliases, ...reject }),
  maxDirectivesRule({ n: QUERY_LIMITS.maxDirectives, ...reject }),
];

// A connection's cost grows with the page the resolver will serve: `first` capped as the
// resolvers cap it, and an omitted or explicit `null` billed as the default page (20), as
// served, not as 1. Every other field costs 1 plus its selection.
const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((arg) => arg.name === 'first')) return 1 + childComplexity;
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + Math.min(Math.max(first, 1), MAX_PAGE_SIZE) * childComplexity;
};

// graphql-query-complexity stops expanding fragments after this many nodes.
const NODE_LIMIT_MESSAGE = 'Query exceeds the maximum allowed number of nodes.';

/** Checks an operation's cost: a GRAPHQL_VALIDATION_FAILED error when it is over the limit. */
export type CostCheck = (
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | null,
) => GraphQLError | undefined;

/**
 * The cost limit, for HTTP (queryCostPlugin) and WebSocket operations alike. It runs once
 * the operation is known, because `first` usually arrives in variables: as a validation
 * rule it would be cached with the document and never see them.
 */
export function createCostCheck(schema: GraphQLSchema): CostCheck {
  // Apollo hands back the same parsed document for the same query text; a document with
  // one operation and no variables always costs the same, so its cost is computed once.
  const fixedCosts = new WeakMap<DocumentNode, number>();
  const costOf = (document: DocumentNode, variables: Record<string, unknown>, operationName: string | null) => {
    const cached = fixedCosts.get(document);
    if (cached !== undefined) return cached;
    const cost = getComplexity({
      schema,
      query: document,
      variables,
      ...(operationName !== null && { operationName }),
      estimators: [connectionEstimator],
    });
    const [only, ...others] = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (others.length === 0 && only !== undefined && (only.variableDefinitions ?? []).length === 0) {
      fixedCosts.set(document, cost);
    }
    return cost;
  };
  return (document, variables, operationName) => {
    let cost: number;
    try {
      cost = costOf(document, variables, operationName);
    } catch (error) {
      // Bad variables are reported by execution, with their own code (BAD_USER_INPUT).
      if (error instanceof GraphQLError && error.message === NODE_LIMIT_MESSAGE) return tooCostly();
      return undefined;
    }
    return cost > QUERY_LIMITS.maxCost ? tooCostly(cost) : undefined;
  };
}

/** Apollo's side of the cost limit. */
export function queryCostPlugin(checkCost: CostCheck): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName }) {
          const error = checkCost(document, request.variables ?? {}, operationName);
          if (error !== undefined) throw error;
        },
      };
    },
  };
}

function tooCostly(cost?: number): GraphQLError {
  const found = cost === undefined ? '' : `, found ${cost}`;
  return new GraphQLError(`Query cost limit of ${QUERY_LIMITS.maxCost} exceeded${found}.`, {
    extensions: { code: CONTRACT_CODE.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } },
  });
}
