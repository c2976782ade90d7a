import { graphql } from '../api.ts';
import { type Catalogue, recordRef } from '../catalogue.ts';
import type { Feature } from './features.ts';

/** The alerts the map asks for at most: the API has no bounding box for alerts; filter by district. */
export const MAX_ALERTS = 5000;

export interface AlertFilter {
  district?: string;
  rule?: string;
  states: string[];
  year?: number;
}

export interface AlertRule {
  id: string;
  zh: string;
  en: string;
}

export async function loadRules(): Promise<AlertRule[]> {
  const { data } = await graphql<{ supervisionRules: AlertRule[] }>('{ supervisionRules { id zh en } }');
  return data.supervisionRules;
}

/**
 * The inline fragments that read each evidence record's geometry, for the datasets whose geometry the
 * caller reads in clear: `... on ContaminatedSite { geometry: boundary }`.
 */
function geometryFragments(catalogue: Catalogue): string {
  return [...catalogue.datasets.values()]
    .filter((d) => d.geometryField)
    .map((d) => `... on ${d.typeName} { geometry: ${d.geometryField} }`)
    .join(' ');
}

type AlertsAnswer = {
  alerts: {
    nodes: {
      id: string;
      severity: string;
      state: string;
      rule: { id: string };
      evidence: {
        dataset: string;
        key: Record<string, unknown>;
        record: { geometry?: Feature['geometry'] | null } | null;
      }[];
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

/**
 * The alerts under the filter, each drawn at its evidence records' geometry (one feature per record the
 * caller reads the geometry of), coloured by severity.
 */
export async function fetchAlerts(
  catalogue: Catalogue,
  filter: AlertFilter,
  signal: AbortSignal,
): Promise<{ features: Feature[]; alerts: number; truncated: boolean }> {
  const query = `query MapAlerts($first: Int, $after: String, $district: [String!], $rule: [String!], $state: [AlertState!], $from: DateTime, $before: DateTime) {
  alerts(first: $first, after: $after, district: $district, rule: $rule, state: $state, firstSeenFrom: $from, firstSeenBefore: $before) {
    nodes { id severity state rule { id } evidence { dataset key record { __typename ${geometryFragments(catalogue)} } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
  const variables: Record<string, unknown> = {
    first: 1000,
    district: filter.district ? [filter.district] : null,
    rule: filter.rule ? [filter.rule] : null,
    state: filter.states.length ? filter.states : null,
    from: filter.year ? `${filter.year}-01-01T00:00:00+08:00` : null,
    before: filter.year ? `${filter.year + 1}-01-01T00:00:00+08:00` : null,
  };
  const features: Feature[] = [];
  let alerts = 0;
  let after: string | null = null;
  for (;;) {
    const { data }: { data: AlertsAnswer } = await graphql<AlertsAnswer>(
      query,
      { ...variables, after },
      signal,
    );
    for (const alert of data.alerts.nodes) {
      alerts += 1;
      for (const item of alert.evidence) {
        const geometry = item.record?.geometry;
        const info = catalogue.datasets.get(item.dataset);
        if (!geometry || !info) continue;
        features.push({
          type: 'Feature',
          geometry,
          properties: {
            alert: alert.id,
            severity: alert.severity,
            state: alert.state,
            rule: alert.rule.id,
            dataset: item.dataset,
            ref: recordRef(info, item.key),
          },
        });
      }
    }
    if (!data.alerts.pageInfo.hasNextPage) return { features, alerts, truncated: false };
    if (alerts >= MAX_ALERTS) return { features, alerts, truncated: true };
    after = data.alerts.pageInfo.endCursor;
  }
}
