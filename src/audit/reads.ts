import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isAbstractType,
  isObjectType,
  Kind,
} from 'graphql';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import { type FilterArgs, filteredFields } from '../datasets/filters.js';
import { aggregateFieldsRead, type DatasetFieldRef } from '../graphql/aggregateReads.js';
import { rootFields, type Selected, selectionVaries, subfields, type Walk } from '../graphql/selection.js';
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
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  access: EffectiveAccess,
): FieldRead[] {
  return howRead(fieldsAsked(schema, document, operationName, variables), access);
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

const askedByDocument = new WeakMap<DocumentNode, Map<string, DatasetFieldRef[]>>();

/**
 * The dataset fields the executed operation of a document asks for, each once, whoever asks: collected
 * as execution collects them (src/graphql/selection.ts). Kept with the document when its selection does
 * not depend on its variables (Apollo keeps one parsed document per query text).
 */
function fieldsAsked(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): DatasetFieldRef[] {
  const operationKey = operationName ?? '';
  const known = askedByDocument.get(document)?.get(operationKey);
  if (known) return known;
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return [];
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const walk: Walk = { schema, fragments, variables };
  const found = new Map<string, DatasetFieldRef>();
  const visitFields = (parent: GraphQLObjectType, selected: Selected) => {
    const dataset = datasetOfType.get(parent.name);
    for (const [name, nodes] of selected) {
      const definition = parent.getFields()[name];
      if (!definition) continue; // __typename and introspection
      const reads = dataset?.fields[name]
        ? [{ dataset, field: name }]
        : nodes.flatMap((node) => aggregateFieldsRead(parent.name, definition, node, variables));
      for (const read of reads) {
        const key = `${read.dataset.name}.${read.field}`;
        if (!found.has(key)) found.set(key, read);
      }
      const type = getNamedType(definition.type);
      const runtimeTypes = isAbstractType(type)
        ? schema.getPossibleTypes(type)
        : isObjectType(type)
          ? [type]
          : [];
      for (const runtime of runtimeTypes) visitFields(runtime, subfields(walk, runtime, nodes));
    }
  };
  visitFields(root, rootFields(walk, root, operation.selectionSet));
  const asked = [...found.values()];
  if (!selectionVaries(document)) {
    const byOperation = askedByDocument.get(document) ?? new Map<string, DatasetFieldRef[]>();
    byOperation.set(operationKey, asked);
    askedByDocument.set(document, byOperation);
  }
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
