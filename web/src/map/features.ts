import pLimit from 'p-limit';
import { graphql } from '../api.ts';
import type { DatasetInfo } from '../catalogue.ts';
import type { LayerSpec } from '../layers.ts';

/** A page of records per request: the API's largest. */
export const PAGE = 1000;
/** At most this many features per layer in view; past it the layer says so (zoom in). */
export const MAX_FEATURES = 100_000;

export interface Feature {
  type: 'Feature';
  id?: number;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
}

export interface LayerData {
  features: Feature[];
  truncated: boolean;
}

export interface ViewFilter {
  district?: string;
  year?: number;
}

/** The field a layer is coloured by, when the caller reads it in clear. */
export function colorField(spec: LayerSpec, info: DatasetInfo): string | undefined {
  const field = spec.colorBy && info.fields.find((f) => f.name === spec.colorBy?.field);
  return field?.mode === 'CLEAR' ? field.name : undefined;
}

const clearField = (info: DatasetInfo, name: string) =>
  info.fields.some((f) => f.name === name && f.mode === 'CLEAR');

/**
 * The filter a layer's records are asked with for the view: its district and its year (the records whose
 * date, or year, falls in it). A field the caller does not read in clear cannot be filtered by (the API
 * refuses it): such a layer is drawn unfiltered by it, and `yearApplies` says so.
 */
function layerFilter(spec: LayerSpec, info: DatasetInfo, view: ViewFilter): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (view.district && clearField(info, 'district')) filter.district = [view.district];
  if (view.year && yearApplies(spec, info)) {
    const date = info.fields.find((f) => f.name === spec.yearField)?.type === 'date';
    filter[spec.yearField] = date
      ? { from: `${view.year}-01-01`, to: `${view.year}-12-31` }
      : { min: view.year, max: view.year };
  }
  return filter;
}

/** Whether the year filter applies to a layer: the caller reads the layer's date in clear. */
export const yearApplies = (spec: LayerSpec, info: DatasetInfo): boolean => clearField(info, spec.yearField);

type PageAnswer = {
  page: { nodes: Record<string, unknown>[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

/** Requests in flight per layer: the hub answers a page mostly waiting (on its database, on the page). */
export const CONCURRENCY = 4;
/** A part of the view is read page by page once it holds at most this many records (or can't be cut). */
export const PART = 2 * PAGE;
/** How many times a box may be cut in four (where records are dense: the parts number about count ÷ PART). */
export const MAX_DEPTH = 8;

/** The box's four quarters. */
const quarters = ([w, s, e, n]: Box): Box[] => {
  const x = (w + e) / 2;
  const y = (s + n) / 2;
  return [
    [w, s, x, y],
    [x, s, e, y],
    [w, y, x, n],
    [x, y, e, n],
  ];
};

type Box = [number, number, number, number];

/**
 * A layer's records in the view box through the API's bbox filter (never a whole dataset): their geometry,
 * their key (to open one), district, date and the field they are coloured by.
 *
 * One page when the box holds no more. Else the box is cut in quarters, and each quarter again where it
 * holds more than PART records (their counts, four to a request), and the parts are read page by page,
 * CONCURRENCY requests at a time. Why: a page of a box is ordered, so the database reads every record in
 * the box for each page (the map's 100 pages of one box at 100k plots took 80-120 ms each), where a
 * part's pages read only the part; and one sequence of round trips leaves the hub waiting. A record lying
 * across two parts is kept once, by its key.
 */
export async function fetchLayer(
  info: DatasetInfo,
  spec: LayerSpec,
  bbox: Box,
  view: ViewFilter,
  signal: AbortSignal,
): Promise<LayerData> {
  const geometry = info.geometryField;
  if (!geometry) return { features: [], truncated: false };
  const keys = info.naturalKey.filter((name) =>
    info.fields.some((f) => f.name === name && f.mode !== 'DENIED'),
  );
  const color = colorField(spec, info);
  // The district too, when readable in clear: the export carries it, and a test checks a district's scope.
  const district = clearField(info, 'district') ? ['district'] : [];
  // Its date too, when readable in clear: the year filter's field, carried by the export.
  const date = yearApplies(spec, info) ? [spec.yearField] : [];
  const selected = [...new Set([...keys, geometry, ...district, ...date, ...(color ? [color] : [])])];
  const scope = layerFilter(spec, info, view);
  const query = `query MapLayer($first: Int, $after: String, $filter: ${info.typeName}Filter, $count: Boolean!) {
  page: ${info.queryField}(first: $first, after: $after, filter: $filter) {
    totalCount @include(if: $count)
    nodes { ${selected.join(' ')} }
    pageInfo { hasNextPage endCursor }
  }
}`;
  const counts = `query MapCounts(${[0, 1, 2, 3].map((i) => `$f${i}: ${info.typeName}Filter`).join(', ')}) {
${[0, 1, 2, 3].map((i) => `  c${i}: ${info.queryField}(first: 0, filter: $f${i}) { totalCount }`).join('\n')}
}`;
  const features = new Map<string, Feature>();
  let truncated = false;
  const limit = pLimit(CONCURRENCY);
  const byKey = keys.length === info.naturalKey.length && keys.every((k) => clearField(info, k));
  const keep = (nodes: Record<string, unknown>[]) => {
    for (const node of nodes) {
      const shape = node[geometry] as Feature['geometry'] | null;
      if (!shape) continue;
      const properties: Record<string, unknown> = { dataset: info.name };
      for (const name of selected) if (name !== geometry) properties[name] = node[name];
      // By its key when the caller reads the key in clear (masked values may repeat), else by all it read.
      const id = byKey ? JSON.stringify(keys.map((k) => node[k])) : JSON.stringify(node);
      features.set(id, { type: 'Feature', geometry: shape, properties });
    }
  };
  /** A box's records, page after page from `after`. */
  const read = async (box: Box, after: string | null): Promise<void> => {
    for (;;) {
      const { data }: { data: PageAnswer } = await limit(() =>
        graphql<PageAnswer>(
          query,
          { first: PAGE, after, filter: { ...scope, bbox: box }, count: false },
          signal,
        ),
      );
      keep(data.page.nodes);
      if (!data.page.pageInfo.hasNextPage) return;
      if (features.size >= MAX_FEATURES || truncated) {
        truncated = true;
        return;
      }
      after = data.page.pageInfo.endCursor;
    }
  };
  /** The parts of a box holding `count` records: itself when small (or cut enough), else its quarters' parts. */
  const parts = async (box: Box, count: number, depth: number): Promise<Box[]> => {
    if (count <= PART || depth >= MAX_DEPTH) return [box];
    const quarter = quarters(box);
    const { data }: { data: Record<string, { totalCount: number }> } = await limit(() =>
      graphql(counts, Object.fromEntries(quarter.map((q, i) => [`f${i}`, { ...scope, bbox: q }])), signal),
    );
    const found = await Promise.all(
      quarter.map((q, i) => {
        const n = data[`c${i}`].totalCount;
        return n ? parts(q, n, depth + 1) : [];
      }),
    );
    return found.flat();
  };
  const { data: first }: { data: PageAnswer & { page: { totalCount: number } } } = await graphql(
    query,
    { first: PAGE, after: null, filter: { ...scope, bbox }, count: true },
    signal,
  );
  keep(first.page.nodes);
  if (first.page.pageInfo.hasNextPage) {
    // The first page's records are kept; a part reads its own from its start, and each is kept once.
    const cut = await parts(bbox, first.page.totalCount, 0);
    if (cut.length === 1) await read(bbox, first.page.pageInfo.endCursor);
    else await Promise.all(cut.map((part) => read(part, null)));
  }
  return { features: [...features.values()], truncated };
}

export interface DistrictPoint {
  code: string;
  lon: number;
  lat: number;
}

/**
 * For a layer whose records the caller reads but not their geometry (the key units' sites in public): how
 * many records each district holds (`totalCount` per district, one request), as a point at the district's
 * label, so that the layer is on the map without disclosing where a record lies.
 */
export async function fetchDistrictCounts(
  info: DatasetInfo,
  spec: LayerSpec,
  districts: readonly DistrictPoint[],
  view: ViewFilter,
  signal: AbortSignal,
): Promise<LayerData & { total: number }> {
  const shown = view.district ? districts.filter((d) => d.code === view.district) : districts;
  const year = layerFilter(spec, info, { year: view.year });
  const variables = Object.fromEntries(shown.map((d, i) => [`f${i}`, { ...year, district: [d.code] }]));
  const query = `query MapDistrictCounts(${shown.map((_, i) => `$f${i}: ${info.typeName}Filter`).join(', ')}) {
${shown.map((_, i) => `  d${i}: ${info.queryField}(first: 1, filter: $f${i}) { totalCount }`).join('\n')}
}`;
  const { data }: { data: Record<string, { totalCount: number }> } = await graphql(query, variables, signal);
  const features: Feature[] = [];
  let total = 0;
  shown.forEach((d, i) => {
    const count = data[`d${i}`].totalCount;
    total += count;
    if (count)
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [d.lon, d.lat] },
        properties: { dataset: info.name, district: d.code, count, byDistrict: true },
      });
  });
  return { features, truncated: false, total };
}

/** Whether a layer is drawn by district (its geometry unreadable, its district readable in clear). */
export const byDistrict = (info: DatasetInfo): boolean => !info.geometryField && clearField(info, 'district');
