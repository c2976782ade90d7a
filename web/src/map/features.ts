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

/**
 * A layer's records in the view box, page after page through the API's bbox filter (never a whole
 * dataset): their geometry, their key (to open one), the field they are coloured by.
 */
export async function fetchLayer(
  info: DatasetInfo,
  spec: LayerSpec,
  bbox: [number, number, number, number],
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
  const filter = { ...layerFilter(spec, info, view), bbox };
  const query = `query MapLayer($first: Int, $after: String, $filter: ${info.typeName}Filter) {
  page: ${info.queryField}(first: $first, after: $after, filter: $filter) {
    nodes { ${selected.join(' ')} }
    pageInfo { hasNextPage endCursor }
  }
}`;
  const features: Feature[] = [];
  let after: string | null = null;
  for (;;) {
    const { data }: { data: PageAnswer } = await graphql<PageAnswer>(
      query,
      { first: PAGE, after, filter },
      signal,
    );
    for (const node of data.page.nodes) {
      const shape = node[geometry] as Feature['geometry'] | null;
      if (!shape) continue;
      const properties: Record<string, unknown> = { dataset: info.name };
      for (const name of selected) if (name !== geometry) properties[name] = node[name];
      features.push({ type: 'Feature', geometry: shape, properties });
    }
    if (!data.page.pageInfo.hasNextPage) return { features, truncated: false };
    if (features.length >= MAX_FEATURES) return { features, truncated: true };
    after = data.page.pageInfo.endCursor;
  }
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
