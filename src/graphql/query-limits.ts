import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isCompositeType,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { CONTRACT_CODE, CONTRACT_REASON } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination/connection.js';
import { selectionBudgetRule } from './selection-budget.js';

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
   * Selections in one document, a fragment counted each place it is spread. Checked,
   * with the depth, alias and directive limits, in a linear pass before graphql-js's own
   * rules, whose field-merging check is quadratic. A large screen's query has a few hundred.
   */
  maxSelections: 1_000,
  /**
   * Times one response name may be selected in one selection set, fragments merged in
   * (`id` asked by three colocated fragments is 3). Each pair of them is compared, with
   * their selections: 50 repeats of `feed { … }` cost ~0.1 s to validate.
   */
  maxRepeats: 10,
  /**
   * Estimated cost: 1 per field, a connection's selection times the page it asks for.
   * `feed(first: 100)` with a post's fields and its author costs ~800; the same feed
   * asking each author for 100 posts of their own would cost ~80,000.
   */
  maxCost: 10_000,
  /**
   * Estimated rows read from the database: a list's page size times its parents, one row per
   * object loaded by id (a post's author), and a post body as BODY_ROWS rows. Its bound is
   * what it costs to hold and send: 5,000 rows of a few hundred bytes (~2 MB), or 250 bodies
   * of up to 50,000 characters (~12 MB). `feed(first: 100)` with bodies and authors is 2,200.
   */
  maxDatabaseRows: 5_000,
  /**
   * Estimated database queries, lists being batched per request: each list, count and
   * object-by-id field of the document is one query, whatever the number of its parents.
   * A screen's query needs a handful; 30 leaves room and stops aliased fan-outs.
   */
  maxDatabaseQueries: 30,
  /**
   * Mutation fields that check or hash a password (those taking a `…password` argument:
   * signUp, login, changePassword, deleteAccount) per operation. Each costs an argon2 hash
   * (~20 ms of a core); no client needs two in one request, and 15 aliased sign-ups in
   * one request were a way to multiply that cost.
   */
  maxPasswordFields: 1,
} as const;

/** Bounds on running an operation, beyond what the cost check can see in the document. */
export interface ExecutionLimits {
  /**
   * A request's time budget, from its context on, in ms: past it no further batch of
   * database work starts and the rest of the answer is SERVICE_UNAVAILABLE
   * (EXECUTION_TIMEOUT). @default 10_000
   */
  readonly executionTimeoutMs: number;
  /** The largest response body sent over HTTP, in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE error. @default 16 MiB */
  readonly maxResponseBytes: number;
}

export const EXECUTION_LIMITS: ExecutionLimits = Object.freeze({
  // 10 s: a priced operation needs at most 30 batched queries, each well under a second
  // on an idle server; one still running after 10 s is stuck behind load, and holding it
  // longer only adds to that load. (Each statement stops at DATABASE_STATEMENT_TIMEOUT_MS too.)
  executionTimeoutMs: 10_000,
  // 16 MiB: above what a priced operation can produce (5,000 rows, 250 bodies of up to
  // 50,000 characters: ~14 MB), so it only ever stops what the estimate missed.
  maxResponseBytes: 16 * 1024 * 1024,
});

/**
 * What a post body counts as in maxDatabaseRows: up to 50,000 characters, against a few
 * hundred bytes for a row without one.
 */
export const BODY_ROWS = 20;

// graphql-armor's rules throw out of validate() by default, and prefix their messages
// with "Syntax Error"; reported this way they are ordinary validation errors (400).
const reportTo = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
const reject = { propagateOnRejection: false, onReject: [reportTo] };

/**
 * The cheap first pass: selections, depth, alias and directive limits, each linear in the
 * document. graphql-js's own rules only see a document that passed them.
 */
export const queryLimitRules: ValidationRule[] = [
  selectionBudgetRule({ maxSelections: QUERY_LIMITS.maxSelections, maxRepeats: QUERY_LIMITS.maxRepeats }),
  maxDepthRule({ n: QUERY_LIMITS.maxDepth, flattenFragments: true, ...reject }),
  maxAliasesRule({ n: QUERY_LIMITS.maxAliases, ...reject }),
  maxDirectivesRule({ n: QUERY_LIMITS.maxDirectives, ...reject }),
];

const isConnection = (field: GraphQLField<unknown, unknown>) => field.args.some((arg) => arg.name === 'first');
const pageOf = (args: Record<string, unknown>) =>
  Math.min(Math.max(typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
// Pages (XConnection, XEdge, PageInfo) hold what their list read: no database work of their own.
const isEnvelope = (type: GraphQLCompositeType) => /(Connection|Edge)$/.test(type.name) || type.name === 'PageInfo';
// An object field outside a page envelope is read from the database (a post's author, a
// root field's object): an over-estimate for those served from memory (`me`).
// Introspection (`__schema`, `__type`: types named `__…`) is answered from the schema in memory.
const loadsObject = (type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>) =>
  !isEnvelope(type) && !field.name.startsWith('__') && !type.name.startsWith('__') && isCompositeType(getNamedType(field.type));

// A connection's cost grows with the page the resolver will serve: `first` capped as the
// resolvers cap it, and an omitted or explicit `null` billed as the default page (20), as
// served, not as 1. Every other field costs 1 plus its selection.
const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) =>
  isConnection(field) ? 1 + pageOf(args) * childComplexity : 1 + childComplexity;

// Rows: a page reads its items (and their selection's rows) for each parent.
const rowsEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isConnection(field)) return pageOf(args) * (1 + childComplexity);
  if (type.name === 'Post' && field.name === 'body') return BODY_ROWS;
  return loadsObject(type, field) ? 1 + childComplexity : childComplexity;
};

// Queries: batched per request, so a list or an object field is one query for all its
// parents (not multiplied by the page), a page's total one more.
// Root mutation fields that take a password: each one costs an argon2 hash.
const passwordFieldsEstimator: ComplexityEstimator = ({ type, field }) =>
  type.name === 'Mutation' && field.args.some((arg) => /password$/i.test(arg.name)) ? 1 : 0;

const queriesEstimator: ComplexityEstimator = ({ type, field, childComplexity }) => {
  if (isConnection(field) || loadsObject(type, field)) return 1 + childComplexity;
  return isEnvelope(type) && field.name === 'totalCount' ? 1 : childComplexity;
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
  const fixedCosts = new WeakMap<DocumentNode, Costs>();
  const costsOf = (document: DocumentNode, variables: Record<string, unknown>, operationName: string | null): Costs => {
    const cached = fixedCosts.get(document);
    if (cached !== undefined) return cached;
    const estimate = (estimator: ComplexityEstimator) =>
      getComplexity({
        schema,
        query: document,
        variables,
        ...(operationName !== null && { operationName }),
        estimators: [estimator],
      });
    const costs = {
      cost: estimate(connectionEstimator),
      rows: estimate(rowsEstimator),
      queries: estimate(queriesEstimator),
      passwordFields: estimate(passwordFieldsEstimator),
    };
    const [only, ...others] = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (others.length === 0 && only !== undefined && (only.variableDefinitions ?? []).length === 0) {
      fixedCosts.set(document, costs);
    }
    return costs;
  };
  return (document, variables, operationName) => {
    let costs: Costs;
    try {
      costs = costsOf(document, variables, operationName);
    } catch (error) {
      // Bad variables are reported by execution, with their own code (BAD_USER_INPUT).
      if (error instanceof GraphQLError && error.message === NODE_LIMIT_MESSAGE) return tooCostly();
      return undefined;
    }
    if (costs.passwordFields > QUERY_LIMITS.maxPasswordFields) {
      return refusal(`At most ${QUERY_LIMITS.maxPasswordFields} password-checking mutation (signUp, login, …) per operation; found ${costs.passwordFields}.`);
    }
    if (costs.cost > QUERY_LIMITS.maxCost) return tooCostly(costs.cost);
    if (costs.rows > QUERY_LIMITS.maxDatabaseRows) {
      return refusal(`Query needs too much database work: an estimated ${costs.rows} rows, the limit is ${QUERY_LIMITS.maxDatabaseRows}.`);
    }
    if (costs.queries > QUERY_LIMITS.maxDatabaseQueries) {
      return refusal(`Query needs too much database work: an estimated ${costs.queries} database queries, the limit is ${QUERY_LIMITS.maxDatabaseQueries}.`);
    }
    return undefined;
  };
}

interface Costs {
  cost: number;
  rows: number;
  queries: number;
  passwordFields: number;
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

/**
 * Apollo's stringifyResult with a bound: a response body over `maxResponseBytes` is not
 * sent; the client gets one BAD_REQUEST / RESPONSE_TOO_LARGE error instead.
 */
export function createBoundedStringify(maxResponseBytes: number): (value: unknown) => string {
  return (value) => {
    const text = `${JSON.stringify(value)}\n`;
    if (text.length <= maxResponseBytes / 3 || Buffer.byteLength(text) <= maxResponseBytes) return text;
    const error = {
      message: `The response would be larger than ${maxResponseBytes} bytes: ask for smaller pages or fewer fields.`,
      extensions: { code: CONTRACT_CODE.BAD_REQUEST, reason: CONTRACT_REASON.RESPONSE_TOO_LARGE },
    };
    return `${JSON.stringify({ errors: [error] })}\n`;
  };
}

function tooCostly(cost?: number): GraphQLError {
  const found = cost === undefined ? '' : `, found ${cost}`;
  return refusal(`Query cost limit of ${QUERY_LIMITS.maxCost} exceeded${found}.`);
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: CONTRACT_CODE.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } },
  });
}
