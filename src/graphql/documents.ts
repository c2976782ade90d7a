import { type DocumentNode, Kind } from 'graphql';

/**
 * Whether a document's operations declare variables. A document that declares none means the same every
 * time it is sent (validation refuses an undeclared variable), so what is worked out from it alone (its
 * cost) may be kept with it: Apollo keeps one parsed document per query text.
 */
export function declaresVariables(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && (definition.variableDefinitions?.length ?? 0) > 0,
  );
}
