import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';
// graphql-js's own field collection (internal in graphql 16, pinned): the walk execution itself makes, so
// what the hub reads and audits is what runs, @skip, @include and type conditions included.
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';

/** The one selection walker: GraphQL reads of records, aggregates and the audit all collect fields with it. */
export interface Walk {
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>> | undefined;
}

/** Selected fields by field name (aliases merged), each with its nodes. */
export type Selected = Map<string, FieldNode[]>;

function byName(collected: Map<string, ReadonlyArray<FieldNode>>): Selected {
  const selected: Selected = new Map();
  for (const nodes of collected.values()) {
    const name = nodes[0].name.value;
    selected.set(name, [...(selected.get(name) ?? []), ...nodes]);
  }
  return selected;
}

/** The fields selected under `nodes` on an object of `type`, as execution collects them. */
export function subfields(walk: Walk, type: GraphQLObjectType, nodes: readonly FieldNode[]): Selected {
  return byName(
    collectSubfields(walk.schema, walk.fragments as never, (walk.variables ?? {}) as never, type, nodes),
  );
}

/** The root fields an operation selects. */
export function rootFields(walk: Walk, type: GraphQLObjectType, selectionSet: SelectionSetNode): Selected {
  return byName(
    collectFields(walk.schema, walk.fragments as never, (walk.variables ?? {}) as never, type, selectionSet),
  );
}

/** An object type of the schema by name (the walker's types are the schema's own). */
export function objectType(schema: GraphQLSchema, name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!type || !('getFields' in type) || 'getPossibleTypes' in type)
    throw new Error(`no object type ${name}`);
  return type as GraphQLObjectType;
}

const containsVariable = (value: ValueNode): boolean =>
  value.kind === Kind.VARIABLE ||
  (value.kind === Kind.LIST && value.values.some(containsVariable)) ||
  (value.kind === Kind.OBJECT && value.fields.some((field) => containsVariable(field.value)));

const varyingDocuments = new WeakMap<DocumentNode | OperationDefinitionNode, boolean>();

/**
 * Whether what a document selects depends on its variables: a directive (@skip, @include) or an
 * aggregate with a variable among its arguments. A walk of one that does not is the same for every request,
 * and may be kept with the document (Apollo keeps one parsed document per query text).
 */
export function selectionVaries(
  document: DocumentNode | OperationDefinitionNode,
  fragments?: Readonly<Record<string, FragmentDefinitionNode>>,
): boolean {
  const known = varyingDocuments.get(document);
  if (known !== undefined) return known;
  let varies = false;
  const check = (node: DocumentNode | OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      Directive(directive) {
        if (directive.arguments?.some((arg) => containsVariable(arg.value))) varies = true;
      },
      // an aggregate's fields read are known only when all its arguments coerce (aggregateReads.ts)
      Field(field) {
        const args = field.arguments ?? [];
        if (
          args.some((arg) => arg.name.value === 'groupBy') &&
          args.some((arg) => containsVariable(arg.value))
        )
          varies = true;
      },
    });
  check(document);
  for (const fragment of Object.values(fragments ?? {})) check(fragment);
  varyingDocuments.set(document, varies);
  return varies;
}
