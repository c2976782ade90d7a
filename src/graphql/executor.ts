import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  BREAK,
  type DocumentNode,
  execute,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isInputObjectType,
  isInputType,
  type OperationDefinitionNode,
  typeFromAST,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { tracedExecutor } from '../tracing/graphql.js';

/**
 * A document is compiled the second time it runs (by default): most ad hoc queries run once, and compiling
 * one costs more than running it.
 */
const RUNS_BEFORE_COMPILING = 1;

/** What the executor knows of one operation of one parsed document. */
interface Known {
  runs: number;
  /** Compiled, or null where graphql-jit could not compile it (graphql-js runs it). */
  compiled?: CompiledQuery | null;
}

/**
 * Runs queries with graphql-jit, which compiles an operation into a function once and runs that function
 * thereafter (graphql-js interprets the document on every request: its `executeField`, argument coercion
 * and completion per field per row). Mutations, an operation graphql-jit cannot compile, and a document's
 * first run go to graphql-js. The same resolvers run either way (permissions included: they wrap the
 * schema's resolvers), so the answers are the same; the tests run through it.
 *
 * Compiled operations are kept with the parsed document (Apollo keeps one per query text in its bounded
 * document store), so they go when it does.
 */
export function compilingExecutor(
  schema: GraphQLSchema,
  runsBeforeCompiling = RUNS_BEFORE_COMPILING,
): GatewayExecutor {
  const known = new WeakMap<DocumentNode, Map<string | null, Known>>();
  return async ({ document, operation, context, request }) => {
    // the name the client asked for (Apollo's own `operationName` is the resolved one's: null when none is)
    const operationName = request.operationName ?? null;
    const interpret = () =>
      execute({ schema, document, operationName, contextValue: context, variableValues: request.variables });
    // no such operation (graphql-js says so), a mutation or a subscription
    if (operation?.operation !== 'query') return interpret();
    let operations = known.get(document);
    if (!operations) {
      operations = new Map();
      known.set(document, operations);
    }
    let entry = operations.get(operationName);
    if (!entry) {
      entry = { runs: 0 };
      operations.set(operationName, entry);
    }
    if (entry.compiled === undefined && entry.runs++ >= runsBeforeCompiling) {
      entry.compiled = compiled(schema, document, operation);
    }
    if (!entry.compiled) return interpret();
    const result = await entry.compiled.query(undefined, context, request.variables);
    // No data at all: the variables did not coerce, and no resolver ran. graphql-js says why in the scalar's
    // own words ("outside longitude…"), where graphql-jit says only which type was expected.
    return 'data' in result ? result : interpret();
  };
}

/**
 * Input fields graphql-jit may expand for one variable. It writes the coercion of a variable's input type out
 * in full, field by field and level by level, and never stops on a cycle (zalando-incubator/graphql-jit#81):
 * a list filter, whose link filters lead to other datasets' filters and back, would be written out for
 * ever. Such operations stay with graphql-js.
 */
const MAX_INPUT_EXPANSION = 500;

/** The fields of `type` written out in full, or Infinity past `budget` (a cycle never ends). */
function expansion(type: GraphQLInputType, budget: number): number {
  const named = getNamedType(type);
  if (!isInputObjectType(named)) return 1;
  let size = 1;
  for (const field of Object.values(named.getFields())) {
    size += expansion(field.type, budget - size);
    if (size > budget) return Number.POSITIVE_INFINITY;
  }
  return size;
}

/** Whether graphql-jit can write out the coercion of every variable of the operation. */
function variablesCompile(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  let budget = MAX_INPUT_EXPANSION;
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type)) return false;
    budget -= expansion(type, budget);
    if (budget < 0) return false;
  }
  return true;
}

/**
 * Whether a document uses @skip or @include. graphql-jit 0.8 gets them wrong where a field or fragment
 * comes twice and only one occurrence is skipped: `a { ...F @include(if: false) } a { ...F }` lost F's
 * fields, and `...F @skip(if: true) ...F` answered F's fields null (found by test/leaks/fuzz.test.ts; its
 * path-based mode, `useExperimentalPathBasedSkipInclude`, fails the second). Such documents stay with
 * graphql-js.
 */
function skipsOrIncludes(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(directive) {
      if (directive.name.value === 'skip' || directive.name.value === 'include') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function compiled(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): CompiledQuery | null {
  if (!variablesCompile(schema, operation) || skipsOrIncludes(document)) return null;
  try {
    const result = compileQuery(schema, document, operation.name?.value, {
      // leaf values are serialised by the schema's scalars, as graphql-js does
      customJSONSerializer: false,
    });
    return isCompiledQuery(result) ? result : null;
  } catch {
    return null;
  }
}

/**
 * The schema and its executor, as Apollo takes them: its `gateway` option (Apollo Server 5 runs a gateway's
 * executor instead of graphql-js; validation, plugins and error formatting are Apollo's as before).
 */
export function compilingGateway(schema: GraphQLSchema, runsBeforeCompiling?: number): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      // each operation's execution is a span (a no-op while tracing is off), active while it runs
      return { executor: tracedExecutor(compilingExecutor(schema, runsBeforeCompiling)) };
    },
    async stop() {},
  };
}

/**
 * Apollo's gateway option: graphql-jit runs the queries it can compile, graphql-js the rest, or (`jit`
 * false) graphql-js runs everything (a document never runs often enough to be compiled). Either way the
 * hub's executor runs them, so that an execution is a span (src/tracing/graphql.ts). `runsBeforeCompiling`:
 * 0 in the tests, so that they run compiled.
 */
export function executing(
  schema: GraphQLSchema,
  jit: boolean,
  runsBeforeCompiling?: number,
): { gateway: GatewayInterface } {
  return { gateway: compilingGateway(schema, jit ? runsBeforeCompiling : Number.POSITIVE_INFINITY) };
}
