import { graphql } from '../api.ts';
import type { Catalogue, DatasetInfo, EnumLabels, FieldInfo, LinkInfo } from '../catalogue.ts';
import { enumTypeLabels, fieldEnumLabels, linksOf, readable, selectionOf } from '../catalogue.ts';
import { h } from '../dom.ts';
import { half, locale, named, t } from '../i18n.ts';

/** A GraphQL literal of a key value (JSON strings and numbers are GraphQL literals too). */
const literal = (value: unknown): string => JSON.stringify(value);

/** The key fields of a link's target the caller reads: what the panel lists and opens it by. */
const linkKeys = (link: LinkInfo) =>
  link.target.naturalKey.filter((name) =>
    link.target.fields.some((f) => f.name === name && f.mode !== 'DENIED'),
  );

/**
 * The lookup of one record by its key, selecting every field the caller reads, and the keys of the records
 * its cross-links lead to.
 */
export function recordQuery(
  info: DatasetInfo,
  key: Record<string, unknown>,
  links: LinkInfo[] = [],
): string | null {
  if (!info.lookupField) return null;
  const args = info.naturalKey.map((name) => `${name}: ${literal(key[name])}`).join(', ');
  const fields = [
    ...readable(info).map(selectionOf),
    ...links.filter((l) => linkKeys(l).length).map((l) => `${l.name} { ${linkKeys(l).join(' ')} }`),
  ].join('\n    ');
  return `{\n  ${info.lookupField}(${args}) {\n    ${fields}\n  }\n}`;
}

/** A value as the panel shows it: an enum's value by its description (in the page's language). */
function formatValue(field: FieldInfo, value: unknown, labels?: EnumLabels): string {
  if (value === null || value === undefined) return '—';
  if (labels) {
    const label = (v: unknown) => half(labels.get(String(v)) ?? String(v));
    return Array.isArray(value) ? value.map(label).join('、') : label(value);
  }
  if (field.type === 'point' || field.type === 'polygon') {
    const shape = value as { type: string; coordinates: unknown };
    return shape.type === 'Point'
      ? (shape.coordinates as number[]).map((c) => c.toFixed(5)).join(', ')
      : shape.type;
  }
  if (field.type === 'analyteResults')
    return (value as { analyte: string; value: number | null; unit: string }[])
      .map((r) => `${r.analyte} ${r.value ?? '<DL'} ${r.unit}`)
      .join('; ');
  if (Array.isArray(value)) return value.join('、');
  if (typeof value === 'boolean') return value ? '是 / yes' : '否 / no';
  return String(value);
}

/** The fields of a record as the caller reads them: masked values stay masked, and say so. */
export async function fieldTable(
  info: DatasetInfo,
  record: Record<string, unknown>,
  fields: FieldInfo[] = readable(info),
): Promise<HTMLElement> {
  const enums = await fieldEnumLabels(info);
  const rows = fields.map((field) =>
    h(
      'tr',
      { 'data-field': field.name, 'data-mode': field.mode },
      h('th', { title: field.name }, named(field)),
      h(
        'td',
        // An enum's value itself, under its description.
        enums.has(field.name) ? { 'data-value': String(record[field.name] ?? '') } : {},
        formatValue(field, record[field.name], enums.get(field.name)),
        field.mode === 'MASKED' ? h('span', { class: 'badge masked' }, t('masked')) : null,
      ),
    ),
  );
  return h('table', { class: 'fields' }, h('tbody', {}, ...rows));
}

export interface PanelAlert {
  id: string;
  severity: string;
  state: string;
  rule: string;
}

/** The panel of a record: its fields, the alerts on the map that cite it, and the query in GraphiQL. */
export async function recordPanel(
  catalogue: Catalogue,
  info: DatasetInfo,
  key: Record<string, unknown>,
  alerts: PanelAlert[],
  open: { alert(id: string): void; record(info: DatasetInfo, key: Record<string, unknown>): void },
): Promise<HTMLElement> {
  const links = await linksOf(catalogue, info);
  const query = recordQuery(info, key, links);
  const title = h('h2', {}, named(info), ' ', h('small', {}, Object.values(key).join(' · ')));
  if (!query) return h('section', { class: 'record' }, title, h('p', {}, t('withdrawn')));
  const { data } = await graphql<Record<string, Record<string, unknown> | null>>(query);
  const record = data[info.lookupField as string];
  const states = alerts.length ? await enumTypeLabels('AlertState') : new Map<string, string>();
  return h(
    'section',
    { class: 'record', 'data-dataset': info.name },
    title,
    record ? await fieldTable(info, record) : h('p', {}, t('withdrawn')),
    ...(record ? linkSections(links, record, open.record) : []),
    h('h3', {}, t('recordAlerts')),
    alerts.length
      ? h(
          'ul',
          { class: 'record-alerts' },
          ...alerts.map((a) => {
            const link = h(
              'a',
              { href: `#alert=${a.id}`, class: `severity-${a.severity}` },
              `${a.rule} · ${half(states.get(a.state) ?? a.state)}`,
            );
            link.addEventListener('click', (event) => {
              event.preventDefault();
              open.alert(a.id);
            });
            return h('li', {}, link);
          }),
        )
      : h('p', { class: 'muted' }, t('none')),
    graphiqlLink(query),
  );
}

/** Each cross-link's records (their keys), each opening its own panel. */
function linkSections(
  links: LinkInfo[],
  record: Record<string, unknown>,
  openRecord: (info: DatasetInfo, key: Record<string, unknown>) => void,
): HTMLElement[] {
  return links.flatMap((link) => {
    const value = record[link.name];
    const targets = (Array.isArray(value) ? value : value ? [value] : []) as Record<string, unknown>[];
    if (!linkKeys(link).length) return [];
    const items = targets.map((target) => {
      const anchor = h('a', { href: '#', 'data-link': link.name }, Object.values(target).join(' · '));
      anchor.addEventListener('click', (event) => {
        event.preventDefault();
        openRecord(link.target, target);
      });
      return h('li', {}, anchor);
    });
    return [
      h(
        'div',
        { class: 'links', 'data-link': link.name },
        h('h3', {}, half(link.description), ' ', h('small', {}, String(targets.length))),
        items.length ? h('ul', {}, ...items) : h('p', { class: 'muted' }, t('none')),
      ),
    ];
  });
}

/** "Open in GraphiQL" with the query filled in (in the URL's fragment: never sent to the server). */
export function graphiqlLink(query: string): HTMLElement {
  return h(
    'a',
    { class: 'graphiql', href: `/graphql#query=${encodeURIComponent(query)}`, target: '_blank' },
    t('openInGraphiql'),
  );
}

/** The fields an alert's evidence shows: the readable ones but the shapes and the analyte results. */
const evidenceFields = (info: DatasetInfo): FieldInfo[] =>
  readable(info).filter((f) => f.type !== 'point' && f.type !== 'polygon' && f.type !== 'analyteResults');

/** An evidence record's fields without their dataset's alias prefix. */
function unaliased(dataset: string, record: Record<string, unknown>): Record<string, unknown> {
  const prefix = `${dataset}__`;
  return Object.fromEntries(
    Object.entries(record)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, value]) => [name.slice(prefix.length), value]),
  );
}

interface AlertAnswer {
  alert: {
    id: string;
    severity: string;
    state: string;
    firstSeenAt: string;
    district: string | null;
    measure: { kind: string; value: number } | null;
    rule: { id: string; zh: string; en: string; descriptionZh: string; descriptionEn: string };
    evidence: { dataset: string; key: Record<string, unknown>; record: Record<string, unknown> | null }[];
  } | null;
}

/** The panel of an alert: its rule, state, measure and evidence records, each as the caller reads it. */
export async function alertPanel(catalogue: Catalogue, id: string): Promise<HTMLElement> {
  const fragments = [...catalogue.datasets.values()]
    .map((d) => {
      const fields = evidenceFields(d);
      // Aliased per dataset: fields of the same name but another type (two enums) may not share a name.
      return fields.length
        ? `... on ${d.typeName} { ${fields.map((f) => `${d.name}__${f.name}: ${f.name}`).join(' ')} }`
        : '';
    })
    .join(' ');
  const query = `query MapAlert($id: ID!) { alert(id: $id) {
    id severity state firstSeenAt district measure { kind value }
    rule { id zh en descriptionZh descriptionEn }
    evidence { dataset key record { __typename ${fragments} } }
  } }`;
  const { data } = await graphql<AlertAnswer>(query, { id });
  const alert = data.alert;
  if (!alert) return h('section', { class: 'alert' }, h('p', {}, t('withdrawn')));
  const [severities, states, measures] = await Promise.all(
    ['AlertSeverity', 'AlertState', 'AlertMeasureKind'].map(enumTypeLabels),
  );
  const evidence = await Promise.all(
    alert.evidence.map(async (item) => {
      const info = catalogue.datasets.get(item.dataset);
      return h(
        'div',
        { class: 'evidence', 'data-dataset': item.dataset },
        h(
          'h3',
          {},
          info ? named(info) : item.dataset,
          ' ',
          h('small', {}, Object.values(item.key).join(' · ')),
        ),
        item.record && info
          ? await fieldTable(info, unaliased(item.dataset, item.record), evidenceFields(info))
          : h('p', { class: 'muted' }, t('withdrawn')),
      );
    }),
  );
  return h(
    'section',
    { class: 'alert', 'data-alert': alert.id },
    h('h2', { class: `severity-${alert.severity}` }, named(alert.rule)),
    h('p', {}, half(`${alert.rule.descriptionZh} / ${alert.rule.descriptionEn}`)),
    h(
      'dl',
      {},
      h('dt', {}, t('severity')),
      h('dd', { 'data-severity': alert.severity }, half(severities.get(alert.severity) ?? alert.severity)),
      h('dt', {}, t('state')),
      h('dd', { 'data-state': alert.state }, half(states.get(alert.state) ?? alert.state)),
      h('dt', {}, t('firstSeen')),
      h('dd', {}, new Date(alert.firstSeenAt).toLocaleString(locale())),
      alert.measure ? h('dt', {}, t('measure')) : null,
      alert.measure
        ? h(
            'dd',
            { 'data-measure': alert.measure.kind },
            `${half(measures.get(alert.measure.kind) ?? alert.measure.kind)}: ${alert.measure.value.toFixed(1)}`,
          )
        : null,
    ),
    h('h3', {}, t('evidence')),
    ...evidence,
    graphiqlLink(
      `{\n  alert(id: ${literal(alert.id)}) {\n    id severity state\n    evidence { dataset key }\n    events { event at note }\n  }\n}`,
    ),
  );
}

/**
 * The panel of a layer drawn by district: the district's records (the first 100), with the fields the
 * caller reads that are not shapes, as a table.
 */
export async function districtPanel(info: DatasetInfo, district: string): Promise<HTMLElement> {
  const fields = evidenceFields(info).slice(0, 6);
  const query = `query MapDistrictRecords($district: [String!]) {
  ${info.queryField}(first: 100, filter: { district: $district }) {
    totalCount nodes { ${fields.map((f) => f.name).join(' ')} }
  }
}`;
  const { data } = await graphql<Record<string, { totalCount: number; nodes: Record<string, unknown>[] }>>(
    query,
    {
      district: [district],
    },
  );
  const page = data[info.queryField];
  const enums = await fieldEnumLabels(info);
  return h(
    'section',
    { class: 'district-records', 'data-dataset': info.name, 'data-district': district },
    h('h2', {}, named(info), ' ', h('small', {}, `${district} · ${page.totalCount}`)),
    h('h3', {}, t('recordsInDistrict')),
    h(
      'table',
      { class: 'fields' },
      h('thead', {}, h('tr', {}, ...fields.map((f) => h('th', {}, named(f))))),
      h(
        'tbody',
        {},
        ...page.nodes.map((node) =>
          h('tr', {}, ...fields.map((f) => h('td', {}, formatValue(f, node[f.name], enums.get(f.name))))),
        ),
      ),
    ),
    graphiqlLink(
      query.replace('$district', JSON.stringify([district])).replace('($district: [String!])', ''),
    ),
  );
}
