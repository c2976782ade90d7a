import {
  type DocumentNode,
  type FieldNode,
  GraphQLIncludeDirective,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getDirectiveValues,
  getNamedType,
  Kind,
  TypeInfo,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import { type FilterArgs, filteredFields } from '../datasets/filters.js';
import { aggregateFieldsRead, type DatasetFieldRef } from '../graphql/aggregateReads.js';
import type { FieldRead } from './trail.js';

const datasetOfType = new Map(datasets.map((d) => [d.names.type, d]));

/**
 * The dataset fields an operation asks for, wherever they appear (lists, lookups, cross-links, the change
 * feed's records, aggregates, fragments), each with how the caller reads it: CLEAR, MASKED or DENIED, and
 * the grant behind a conditional field. Worked out once per request from the document, not per row, and
 * once per document where its variables cannot change what it asks for (see fieldsAsked).
 */
export function fieldsRead(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  access: EffectiveAccess,
): FieldRead[] {
  return howRead(fieldsAsked(schema, document, variables), access);
}

/** Each field with how the caller reads it, and the grant behind a conditional one. */
function howRead(fields: readonly DatasetFieldRef[], access: EffectiveAccess): FieldRead[] {
  return fields.map(({ dataset, field }) => {
    const decision = access.field(dataset, field);
    return {
      dataset: dataset.name,
      field,
      mode: decision.mode,
      ...(decision.grant ? { grant: decision.grant.id } : {}),
    };
  });
}

/** The fields a list's or an aggregate's filter compares (src/datasets/filters.ts), as the caller reads them. */
export function filterReads(
  dataset: Dataset,
  filter: FilterArgs | null | undefined,
  access: EffectiveAccess,
): FieldRead[] {
  return howRead(filteredFields(dataset, filter, access), access);
}

/**
 * What a document asks for, when that does not depend on its variables (none in a directive, none in the
 * arguments of an aggregate): Apollo keeps one parsed document per query text, so the walk is done once
 * per document.
 */
const askedByDocument = new WeakMap<DocumentNode, DatasetFieldRef[]>();

const containsVariable = (value: ValueNode): boolean =>
  value.kind === Kind.VARIABLE ||
  (value.kind === Kind.LIST && value.values.some(containsVariable)) ||
  (value.kind === Kind.OBJECT && value.fields.some((field) => containsVariable(field.value)));

/**
 * Whether what a field reads depends on variables: through @skip or @include, or through an aggregate's
 * arguments (its groupBy, which aggregateFieldsRead reads only when all its arguments coerce).
 */
const readsVary = (node: FieldNode) =>
  Boolean(
    node.directives?.some((directive) => directive.arguments?.some((arg) => containsVariable(arg.value))),
  ) ||
  Boolean(
    node.arguments?.some((arg) => arg.name.value === 'groupBy') &&
      node.arguments.some((arg) => containsVariable(arg.value)),
  );

/** The dataset fields a document asks for, each once, whoever asks. */
function fieldsAsked(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): DatasetFieldRef[] {
  const known = askedByDocument.get(document);
  if (known) return known;
  const typeInfo = new TypeInfo(schema);
  const found = new Map<string, DatasetFieldRef>();
  let varies = false;
  const skipped = (node: Parameters<typeof getDirectiveValues>[1]) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true ||
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (readsVary(node)) varies = true;
        if (skipped(node)) return false;
        const parent = typeInfo.getParentType();
        const dataset: Dataset | undefined = parent
          ? datasetOfType.get(getNamedType(parent).name)
          : undefined;
        const name = node.name.value;
        const reads = dataset?.fields[name]
          ? [{ dataset, field: name }]
          : aggregateFieldsRead(parent?.name, typeInfo.getFieldDef(), node, variables);
        for (const read of reads) {
          const key = `${read.dataset.name}.${read.field}`;
          if (!found.has(key)) found.set(key, read);
        }
        return undefined;
      },
    }),
  );
  const asked = [...found.values()];
  // (a field skipped by a literal @skip hides its subtree whatever the variables: that is kept too)
  if (!varies) askedByDocument.set(document, asked);
  return asked;
}

/** The fields a whole-dataset transfer (export, change feed) carries to the caller: all it may read. */
export function datasetFieldsRead(dataset: Dataset, access: EffectiveAccess): FieldRead[] {
  return Object.keys(dataset.fields).flatMap((name) => {
    const decision = access.field(dataset, name);
    if (decision.mode === 'DENIED') return [];
    return [
      {
        dataset: dataset.name,
        field: name,
        mode: decision.mode,
        ...(decision.grant ? { grant: decision.grant.id } : {}),
      },
    ];
  });
}
