import { graphql } from './api.ts';
import { session } from './session.ts';

/** How the caller reads a field: in clear, masked, or not at all. */
export type Mode = 'CLEAR' | 'MASKED' | 'DENIED';

export interface FieldInfo {
  name: string;
  zh: string;
  en: string;
  type: string;
  mode: Mode;
}

/** A dataset as the caller may query it (the keyed catalogue with myAccess, or the public index). */
export interface DatasetInfo {
  name: string;
  zh: string;
  en: string;
  typeName: string;
  queryField: string;
  /** Null when the caller cannot look a record up by its key (in public: a key field is not public). */
  lookupField: string | null;
  naturalKey: string[];
  /** Null when the dataset has none, or the caller does not read it in clear (no bbox filter then). */
  geometryField: string | null;
  fields: FieldInfo[];
}

export interface Caller {
  /** Null in the public view. */
  code: string | null;
  kind: string | null;
  nameZh: string;
  nameEn: string;
}

export interface Catalogue {
  caller: Caller;
  datasets: Map<string, DatasetInfo>;
}

const KEYED = `{
  me { code kind nameZh nameEn }
  catalog { name zh en typeName queryField lookupField naturalKey geometryField fields { name zh en type } }
  myAccess { dataset fields { field mode } }
}`;

interface KeyedAnswer {
  me: Caller;
  catalog: (Omit<DatasetInfo, 'fields'> & { fields: Omit<FieldInfo, 'mode'>[] })[];
  myAccess: { dataset: string; fields: { field: string; mode: Mode }[] }[];
}

interface PublicIndex {
  datasets: (Omit<DatasetInfo, 'fields'> & { fieldInfo: Omit<FieldInfo, 'mode'>[] })[];
}

/** What the caller may read, dataset by dataset, field by field. */
export async function loadCatalogue(): Promise<Catalogue> {
  if (!session.key()) {
    const response = await fetch('/public');
    if (!response.ok) throw new Error(`/public: HTTP ${response.status}`);
    const index = (await response.json()) as PublicIndex;
    return {
      caller: { code: null, kind: null, nameZh: '公众', nameEn: 'Public' },
      datasets: new Map(
        index.datasets.map((d) => [
          d.name,
          { ...d, fields: d.fieldInfo.map((f) => ({ ...f, mode: 'CLEAR' as const })) },
        ]),
      ),
    };
  }
  const { data } = await graphql<KeyedAnswer>(KEYED);
  const modes = new Map(
    data.myAccess.map((a) => [a.dataset, new Map(a.fields.map((f) => [f.field, f.mode]))]),
  );
  const datasets = new Map<string, DatasetInfo>();
  for (const d of data.catalog) {
    const mode = (field: string): Mode => modes.get(d.name)?.get(field) ?? 'DENIED';
    const fields = d.fields.map((f) => ({ ...f, mode: mode(f.name) }));
    datasets.set(d.name, {
      ...d,
      geometryField: d.geometryField && mode(d.geometryField) === 'CLEAR' ? d.geometryField : null,
      fields,
    });
  }
  return { caller: data.me, datasets };
}

/** A field's GraphQL selection: geometry, lists and links as they are, analyte results with their parts. */
export function selectionOf(field: FieldInfo): string {
  if (field.type === 'analyteResults') return `${field.name} { analyte value unit method detectionLimit }`;
  return field.name;
}

/** The fields the caller reads at all (clear or masked), and that a list or a panel selects. */
export const readable = (dataset: DatasetInfo): FieldInfo[] =>
  dataset.fields.filter((f) => f.mode !== 'DENIED');

/** A record's reference: its dataset and its key's values in the key's order (the panel matches alerts by it). */
export const recordRef = (info: DatasetInfo, key: Record<string, unknown>): string =>
  `${info.name}:${info.naturalKey.map((name) => String(key[name])).join('|')}`;

interface IntrospectedType {
  kind: string;
  name: string | null;
  enumValues: { name: string; description: string | null }[] | null;
  ofType: IntrospectedType | null;
}

/** Value → its description ("中文 / English"), of one enum. */
export type EnumLabels = Map<string, string>;

const labelsOf = (values: { name: string; description: string | null }[]): EnumLabels =>
  new Map(values.map((v) => [v.name, v.description ?? v.name]));

const fieldEnums = new Map<string, Promise<Map<string, EnumLabels>>>();

/**
 * The descriptions of the enum values of a dataset's fields, by field, as the schema the caller sees has
 * them (its type introspected once): the legend's labels, and a panel's values.
 */
export function fieldEnumLabels(info: DatasetInfo): Promise<Map<string, EnumLabels>> {
  let labels = fieldEnums.get(info.typeName);
  if (!labels) {
    labels = (async () => {
      const selection = 'kind name enumValues { name description }';
      const { data } = await graphql<{
        __type: { fields: { name: string; type: IntrospectedType }[] } | null;
      }>(
        `query FieldEnums($type: String!) { __type(name: $type) { fields { name type { ${selection} ofType { ${selection} ofType { ${selection} } } } } } }`,
        { type: info.typeName },
      );
      const found = new Map<string, EnumLabels>();
      for (const field of data.__type?.fields ?? []) {
        let type: IntrospectedType | null = field.type;
        while (type && !type.enumValues) type = type.ofType;
        if (type?.enumValues) found.set(field.name, labelsOf(type.enumValues));
      }
      return found;
    })();
    fieldEnums.set(info.typeName, labels);
  }
  return labels;
}

const enumTypes = new Map<string, Promise<EnumLabels>>();

/** The descriptions of one enum type's values (AlertSeverity, AlertState…), introspected once. */
export function enumTypeLabels(name: string): Promise<EnumLabels> {
  let labels = enumTypes.get(name);
  if (!labels) {
    labels = graphql<{
      __type: { enumValues: { name: string; description: string | null }[] | null } | null;
    }>('query EnumValues($name: String!) { __type(name: $name) { enumValues { name description } } }', {
      name,
    }).then(({ data }) => labelsOf(data.__type?.enumValues ?? []));
    enumTypes.set(name, labels);
  }
  return labels;
}

/** A field of a dataset's type that links to records of another dataset (a cross-link). */
export interface LinkInfo {
  name: string;
  description: string;
  target: DatasetInfo;
}

const linksOfType = new Map<string, Promise<LinkInfo[]>>();

/**
 * The cross-links of a dataset's records, as the schema the caller sees has them: the fields whose type is
 * (a list of) another dataset's type. Read by introspection once per type.
 */
export function linksOf(catalogue: Catalogue, info: DatasetInfo): Promise<LinkInfo[]> {
  let links = linksOfType.get(info.typeName);
  if (!links) {
    links = (async () => {
      type Ref = { name: string | null; ofType: Ref | null };
      const { data } = await graphql<{
        __type: { fields: { name: string; description: string | null; type: Ref }[] } | null;
      }>(
        `query Links($type: String!) { __type(name: $type) { fields { name description
          type { name ofType { name ofType { name ofType { name } } } } } } }`,
        { type: info.typeName },
      );
      const byType = new Map([...catalogue.datasets.values()].map((d) => [d.typeName, d]));
      const named = (ref: Ref | null): string | null => (ref ? (ref.name ?? named(ref.ofType)) : null);
      return (data.__type?.fields ?? []).flatMap((f) => {
        const target = byType.get(named(f.type) ?? '');
        return target ? [{ name: f.name, description: f.description ?? f.name, target }] : [];
      });
    })();
    linksOfType.set(info.typeName, links);
  }
  return links;
}
