import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type ValidationContext,
  type ValidationRule,
  validate,
  visit,
} from 'graphql';
import { type ComplexityEstimator, createComplexityRule } from 'graphql-query-complexity';
import type { QueryLimits } from '../config.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../datasets/store.js';

/*
 * A document over a limit (QueryLimits, src/config.ts) gets HTTP 400, `BAD_USER_INPUT` with a `reason`
 * naming the limit, the limit and what the document has (`limit`, `found`), and no data.
 */

/** Characters of a document: a bound on its string literals, which the token count does not see. */
export const MAX_DOCUMENT_LENGTH = 100_000;

/**
 * Rows assumed for a list without a page size: cross-links (a plot's permits, the sites a parcel overlaps;
 * 1–3 in the demo data), catalogue entries, introspection (whose nesting graphql-js already caps).
 */
const UNPAGED_LIST_SIZE = 5;

export type LimitReason =
  | 'MAX_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_TOKENS'
  | 'MAX_DIRECTIVES'
  | 'MAX_COST'
  | 'MAX_LENGTH';

export function limitError(reason: LimitReason, message: string, limit: number, found?: number) {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', reason, limit, found, http: { status: 400 } },
  });
}

/**
 * graphql-armor counts (without a limit of its own), the hub compares: so the error carries the count,
 * a bilingual message, and a `reason` a client can branch on, instead of armor's "Syntax Error: …".
 */
type Counted = (ctx: ValidationContext | null, details: { n: number }) => void;

/** Options of an armor rule that counts and lets the hub refuse past `limit` with its own error. */
function counting(reason: LimitReason, limit: number, message: (found: number) => string) {
  const onAccept: Counted = (ctx, { n }) => {
    if (n > limit) ctx?.reportError(limitError(reason, message(n), limit, n));
  };
  return { n: Number.MAX_SAFE_INTEGER, propagateOnRejection: false, onAccept: [onAccept] };
}

/** Validation rules for depth, aliases and directives. */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({
      ...counting(
        'MAX_DEPTH',
        limits.depth,
        (found) =>
          `查询嵌套层数 ${found} 超过上限 ${limits.depth} / The query nests ${found} levels deep, more than the limit of ${limits.depth}`,
      ),
      // Fragments add no level to the response; introspection is counted by the cost limit instead.
      flattenFragments: true,
    }),
    maxAliasesRule(
      counting(
        'MAX_ALIASES',
        limits.aliases,
        (found) =>
          `查询使用别名 ${found} 个，超过上限 ${limits.aliases} / The query has ${found} aliases, more than the limit of ${limits.aliases}`,
      ),
    ),
    maxDirectivesRule(
      counting(
        'MAX_DIRECTIVES',
        limits.directives,
        (found) =>
          `查询使用指令 ${found} 个，超过上限 ${limits.directives} / The query has ${found} directives, more than the limit of ${limits.directives}`,
      ),
    ),
  ];
}

/**
 * The cost of a field: 1, plus its selections times the rows they are selected on. A field with a `first`
 * argument (a connection, the change feed) multiplies by its page size, the default page when `first` is
 * absent (clamped to 0…1000: outside, the resolver refuses the page size with its own message); the lists
 * inside such a page are that page. Any other list counts as UNPAGED_LIST_SIZE rows.
 */
export function pageSizeEstimator(schema: GraphQLSchema): ComplexityEstimator {
  const paged = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.some((arg) => arg.name === 'first')) paged.add(getNamedType(field.type).name);
    }
  }
  return ({ type, field, args, childComplexity }) => {
    if (field.args.some((arg) => arg.name === 'first')) {
      const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
      return 1 + Math.min(Math.max(first, 0), MAX_PAGE_SIZE) * childComplexity;
    }
    if (isListType(getNullableType(field.type)) && !paged.has(type.name)) {
      return 1 + UNPAGED_LIST_SIZE * childComplexity;
    }
    return 1 + childComplexity;
  };
}

/** graphql-query-complexity's own guard against fragment blow-ups: so many nodes cost too much anyway. */
const NODES_EXCEEDED = 'Query exceeds the maximum allowed number of nodes.';

/**
 * The estimated cost of the operation with its variables. Not `getComplexity`: it throws away the whole
 * count when one field's arguments fail to coerce (a null for a non-null argument), and the other fields
 * would then run uncounted; here that field counts nothing (execution refuses it), the others count.
 * Variables that do not coerce at all count nothing: execution refuses them before any resolver runs.
 */
export function estimatedCost(
  schema: GraphQLSchema,
  estimator: ComplexityEstimator,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number {
  let cost = 0;
  const rule = createComplexityRule({
    maximumComplexity: Number.POSITIVE_INFINITY,
    estimators: [estimator],
    variables,
    operationName,
    onComplete: (complexity) => {
      cost = complexity;
    },
  });
  try {
    validate(schema, document, [rule as unknown as ValidationRule]);
  } catch (error) {
    if ((error as Error).message === NODES_EXCEEDED) return Number.POSITIVE_INFINITY;
    throw error;
  }
  return cost;
}

/**
 * The variables a document's cost can depend on: those in a `first` argument (the page size the estimator
 * reads) or in a directive (`@skip(if: $x)` and `@include` decide whether a selection counts). The cost is
 * the same for any values of the others, so it may be kept with the document and these values.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  visit(document, {
    VariableDefinition() {
      return false;
    },
    Argument(argument) {
      if (argument.name.value === 'first') collect(argument.value);
    },
    Directive(directive) {
      collect(directive);
      return false;
    },
  });
  return [...names].sort();
}

/** Operations' costs kept per document (Apollo keeps one parsed document per query text). */
const MAX_COSTS_PER_DOCUMENT = 100;
const MAX_COST_KEY_LENGTH = 200;

/** Length and cost, once the operation is resolved: before any resolver runs. */
export function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  const estimator = pageSizeEstimator(schema);
  // The costs of a document by operation and the values of the variables the cost depends on: the same
  // every time they are (a lookup by a different key costs the same).
  const costs = new WeakMap<DocumentNode, { variables: string[]; byKey: Map<string, number> }>();
  const costOf = (document: DocumentNode, variables: Record<string, unknown> | undefined, name?: string) => {
    let known = costs.get(document);
    if (!known) {
      known = { variables: costVariables(document), byKey: new Map() };
      costs.set(document, known);
    }
    // an absent variable (its default applies) is not a null one
    const given = known.variables.map((v) =>
      variables && Object.hasOwn(variables, v) ? [variables[v]] : [],
    );
    const key = JSON.stringify([name ?? null, ...given]);
    let cost = known.byKey.get(key);
    if (cost === undefined) {
      cost = estimatedCost(schema, estimator, document, variables, name);
      // Kept only for short keys: values that do not coerce could be long, and would fill the memory.
      if (key.length <= MAX_COST_KEY_LENGTH) {
        if (known.byKey.size >= MAX_COSTS_PER_DOCUMENT) known.byKey.clear();
        known.byKey.set(key, cost);
      }
    }
    return cost;
  };
  return {
    async requestDidStart() {
      return {
        // Checked here rather than before parsing (the lexer reads a long string in one pass; the token limit
        // stops a long document early) so that a refusal goes through every plugin's error hooks.
        async didResolveOperation({ source, document, request, operation }) {
          if (source.length > MAX_DOCUMENT_LENGTH) {
            throw limitError(
              'MAX_LENGTH',
              `查询文本 ${source.length} 个字符，超过上限 ${MAX_DOCUMENT_LENGTH}；请用变量传递长值 / The document has ${source.length} characters, more than the limit of ${MAX_DOCUMENT_LENGTH}: pass long values as variables`,
              MAX_DOCUMENT_LENGTH,
              source.length,
            );
          }
          if (!operation) return;
          const cost = costOf(document, request.variables, request.operationName ?? undefined);
          if (cost > limits.cost) {
            const found = Number.isFinite(cost) ? cost : undefined;
            throw limitError(
              'MAX_COST',
              `查询估算成本 ${found ?? '过高'} 超过上限 ${limits.cost}：减少每页条数 (first) 或嵌套的关联 / The query's estimated cost ${found ?? '(too many fields)'} is more than the limit of ${limits.cost}: ask for smaller pages (first) or fewer nested links`,
              limits.cost,
              found,
            );
          }
        },
      };
    },
  };
}

/**
 * The token limit is graphql-js's own (`parseOptions.maxTokens`, counting as graphql-armor's max-tokens
 * does), so that a document is parsed once; its "Document contains more … tokens" syntax error is
 * reported as the other limits are.
 */
export function tokenLimitOf(message: string): number | undefined {
  // graphql 16.15 says "more that N tokens"
  const match = message.match(/^Syntax Error: Document contains more tha[nt] (\d+) tokens\b/);
  return match ? Number(match[1]) : undefined;
}
