import 'maplibre-gl/dist/maplibre-gl.css';
import '../style.css';
import * as maplibre from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import {
  type Catalogue,
  type DatasetInfo,
  type EnumLabels,
  enumTypeLabels,
  fieldEnumLabels,
  loadCatalogue,
  recordRef,
} from '../catalogue.ts';
import { h } from '../dom.ts';
import { renderHeader } from '../header.ts';
import { half, named, t } from '../i18n.ts';
import { LAYERS, type LayerSpec, SEVERITY_COLORS } from '../layers.ts';
import { type AlertFilter, type AlertRule, fetchAlerts, loadRules } from './alerts.ts';
import {
  byDistrict,
  colorField,
  type Feature,
  fetchDistrictCounts,
  fetchLayer,
  type LayerData,
  yearApplies,
} from './features.ts';
import { alertPanel, districtPanel, type PanelAlert, recordPanel } from './panel.ts';

// The worker is a file of the build, like everything else (no blob: worker, no other origin).
maplibre.setWorkerUrl(workerUrl);

const DISTRICTS_URL = '/app/base/beijing-districts.geojson';
const ALERT_STATES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED'];
const BEIJING: [number, number, number, number] = [115.4, 39.4, 117.5, 41.1];

interface Layer {
  spec: LayerSpec;
  info: DatasetInfo;
  visible: boolean;
  count: number;
  truncated: boolean;
  features: Feature[];
  status: HTMLElement;
  /** What the features were read for: the box (the view and half its size again on each side), district, year. */
  loaded?: { box: Box; district?: string; year?: number };
  /** Shown while a year is chosen that the layer cannot be filtered by. */
  yearNote: HTMLElement;
}

type Box = [number, number, number, number];

/** The view's box grown by half its width and height on each side: a pan or a zoom in stays within it. */
const padded = ([w, s, e, n]: Box): Box => {
  const dx = (e - w) / 2;
  const dy = (n - s) / 2;
  return [w - dx, Math.max(-85, s - dy), e + dx, Math.min(85, n + dy)].map(
    (v) => Math.round(v * 1e6) / 1e6,
  ) as Box;
};
const contains = (outer: Box, inner: Box) =>
  outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];

/** What a test or the benchmark reads of the page (window.jingtuMap): counts, not pixels. */
interface MapApi {
  ready: Promise<void>;
  map?: maplibre.Map;
  counts(): Record<string, number>;
  /** The features a layer holds (or the alerts'), as drawn. */
  features(layer: string): Feature[];
  /** The box a layer's features were read for (the view, padded), if any. */
  loadedBox(layer: string): Box | undefined;
  /** Resolves once no layer is loading and the map has drawn what it holds. */
  settled(): Promise<void>;
  /** Each refresh's time from the view's change to the drawn features, in ms. */
  refreshes: { ms: number; features: number }[];
  error?: string;
}

declare global {
  interface Window {
    jingtuMap: MapApi;
  }
}

const pending = new Set<Promise<unknown>>();
const api: MapApi = {
  ready: Promise.resolve(),
  counts: () => ({}),
  features: () => [],
  loadedBox: () => undefined,
  refreshes: [],
  async settled() {
    while (pending.size) await Promise.allSettled([...pending]);
    const map = api.map;
    if (map && !map.loaded()) await new Promise((resolve) => map.once('idle', resolve));
  },
};
window.jingtuMap = api;

function track<T>(promise: Promise<T>): Promise<T> {
  pending.add(promise);
  promise.finally(() => pending.delete(promise)).catch(() => {});
  return promise;
}

/** A layer's paint: by the colouring field's value when the caller reads it, else its colour. */
function colorOf(layer: Layer): maplibre.ExpressionSpecification | string {
  const field = colorField(layer.spec, layer.info);
  const colors = layer.spec.colorBy?.colors;
  if (!field || !colors) return layer.spec.color;
  return matchColor(field, colors, layer.spec.color);
}

/** A `match` expression: the colour of the feature's value of the field, else the fallback. */
const matchColor = (field: string, colors: Record<string, string>, fallback: string) =>
  [
    'match',
    ['get', field],
    ...Object.entries(colors).flat(),
    fallback,
  ] as unknown as maplibre.ExpressionSpecification;

const isPolygon: maplibre.FilterSpecification = [
  'match',
  ['geometry-type'],
  ['Polygon', 'MultiPolygon'],
  true,
  false,
];
const isPoint: maplibre.FilterSpecification = [
  'match',
  ['geometry-type'],
  ['Point', 'MultiPoint'],
  true,
  false,
];
const collection = (features: Feature[]) =>
  ({ type: 'FeatureCollection', features }) as unknown as GeoJSON.FeatureCollection;

function addDataLayer(map: maplibre.Map, layer: Layer): string[] {
  const source = `ds-${layer.info.name}`;
  map.addSource(source, { type: 'geojson', data: collection([]) });
  const color = colorOf(layer);
  map.addLayer({
    id: `${source}-fill`,
    type: 'fill',
    source,
    filter: isPolygon,
    paint: { 'fill-color': color, 'fill-opacity': 0.35 },
  });
  map.addLayer({
    id: `${source}-line`,
    type: 'line',
    source,
    filter: isPolygon,
    paint: { 'line-color': color, 'line-width': 1 },
  });
  map.addLayer({
    id: `${source}-point`,
    type: 'circle',
    source,
    filter: isPoint,
    paint: {
      'circle-color': color,
      // A district's count (a layer drawn by district) is a larger circle with its number.
      'circle-radius': ['case', ['has', 'count'], 13, 4],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
  });
  map.addLayer({
    id: `${source}-count`,
    type: 'symbol',
    source,
    filter: ['has', 'count'],
    layout: { 'text-field': ['to-string', ['get', 'count']], 'text-size': 11, 'text-allow-overlap': true },
    paint: { 'text-color': '#ffffff' },
  });
  return [`${source}-fill`, `${source}-point`];
}

function setVisible(map: maplibre.Map, layer: Layer) {
  for (const suffix of ['fill', 'line', 'point', 'count'])
    map.setLayoutProperty(
      `ds-${layer.info.name}-${suffix}`,
      'visibility',
      layer.visible ? 'visible' : 'none',
    );
}

async function start(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement;
  let catalogue: Catalogue;
  try {
    catalogue = await loadCatalogue();
  } catch (error) {
    root.replaceChildren(renderHeader('map', null, error));
    api.error = (error as Error).message;
    return;
  }
  const keyed = Boolean(catalogue.caller.code);
  const districts = (await (await fetch(DISTRICTS_URL)).json()) as {
    source: string;
    features: {
      properties: { code: string; name: string; labelLon: number; labelLat: number };
      geometry:
        | { type: 'MultiPolygon'; coordinates: number[][][][] }
        | { type: 'Point'; coordinates: number[] };
    }[];
  };
  const rules: AlertRule[] = keyed ? await loadRules() : [];
  const districtPoints = districts.features.map((f) => ({
    code: f.properties.code,
    lon: f.properties.labelLon,
    lat: f.properties.labelLat,
  }));
  // `#layers=contaminatedSite,priorityPlot&alerts=off` opens with only those layers drawn.
  const view = new URLSearchParams(location.hash.slice(1));
  const shown = view.get('layers')?.split(',');
  const layers: Layer[] = LAYERS.flatMap((spec) => {
    const info = catalogue.datasets.get(spec.dataset);
    if (!info) return [];
    return [
      {
        spec,
        info,
        visible:
          (Boolean(info.geometryField) || byDistrict(info)) && (!shown || shown.includes(spec.dataset)),
        count: 0,
        truncated: false,
        features: [],
        status: h('span', { class: 'count' }),
        yearNote: h('span', { class: 'muted year-note', hidden: true }, t('yearNotApplied')),
      },
    ];
  });
  // The legend's labels: the schema's descriptions of the colouring fields' values, and of alerts'.
  const labels = new Map(
    await Promise.all(
      layers
        .filter((l) => colorField(l.spec, l.info))
        .map(async (l) => [l.info.name, await fieldEnumLabels(l.info)] as const),
    ),
  );
  const [severities, stateLabels]: EnumLabels[] = keyed
    ? await Promise.all([enumTypeLabels('AlertSeverity'), enumTypeLabels('AlertState')])
    : [new Map(), new Map()];
  // `#year=2025` opens on a year.
  const filter: AlertFilter & { district?: string } = {
    states: ['OPEN', 'ACKNOWLEDGED'],
    year: Number(view.get('year')) || undefined,
  };
  // A district's key sees its district: the map opens there.
  const own = districts.features.find((f) => f.properties.code === catalogue.caller.code);
  if (own) filter.district = own.properties.code;
  let alertFeatures: Feature[] = [];
  const alertStatus = h('span', { class: 'count' });

  // ---- the page
  const panel = h('aside', { class: 'panel', hidden: true, 'aria-live': 'polite' });
  const mapElement = h('div', { class: 'map', id: 'map' });
  const sidebar = h('aside', { class: 'sidebar' });
  root.replaceChildren(
    renderHeader('map', catalogue.caller),
    h('main', { class: 'map-page' }, sidebar, mapElement, panel),
  );

  const map = new maplibre.Map({
    container: mapElement,
    bounds: BEIJING,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    attributionControl: false,
    style: {
      version: 8,
      // No glyphs: labels are drawn with the browser's own fonts.
      sources: {
        districts: { type: 'geojson', data: DISTRICTS_URL },
        'district-labels': {
          type: 'geojson',
          data: {
            type: 'FeatureCollection',
            features: districts.features.map((f) => ({
              type: 'Feature',
              properties: { name: f.properties.name },
              geometry: { type: 'Point', coordinates: [f.properties.labelLon, f.properties.labelLat] },
            })),
          },
        },
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#e8eef3' } },
        { id: 'districts-fill', type: 'fill', source: 'districts', paint: { 'fill-color': '#fbfbf8' } },
        {
          id: 'districts-line',
          type: 'line',
          source: 'districts',
          paint: { 'line-color': '#8fa3b0', 'line-width': 1.2 },
        },
      ],
    },
  });
  api.map = map;
  map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibre.ScaleControl({}), 'bottom-right');
  map.addControl(
    new maplibre.AttributionControl({
      customAttribution: `${t('source')}: ${districts.source}`,
      compact: true,
    }),
  );
  await new Promise((resolve) => map.once('load', resolve));
  if (own) {
    const g = own.geometry;
    const points =
      g.type === 'Point'
        ? [
            [g.coordinates[0] - 0.08, g.coordinates[1] - 0.06],
            [g.coordinates[0] + 0.08, g.coordinates[1] + 0.06],
          ]
        : g.coordinates.flat(2);
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    map.fitBounds([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)], {
      duration: 0,
      padding: 20,
    });
  }

  const interactive: string[] = [];
  for (const layer of layers) {
    interactive.push(...addDataLayer(map, layer));
    setVisible(map, layer);
  }
  map.addSource('alerts', { type: 'geojson', data: collection([]) });
  const severity = matchColor('severity', SEVERITY_COLORS, '#000000');
  map.addLayer({
    id: 'alerts-line',
    type: 'line',
    source: 'alerts',
    filter: isPolygon,
    paint: { 'line-color': severity, 'line-width': 3 },
  });
  map.addLayer({
    id: 'alerts-point',
    type: 'circle',
    source: 'alerts',
    filter: isPoint,
    paint: {
      'circle-radius': 7,
      'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': severity,
      'circle-stroke-width': 3,
    },
  });
  map.addLayer({
    id: 'district-labels',
    type: 'symbol',
    source: 'district-labels',
    layout: { 'text-field': ['get', 'name'], 'text-size': 13 },
    paint: { 'text-color': '#37474f', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
  });
  interactive.unshift('alerts-line', 'alerts-point');

  // ---- loading
  let controller = new AbortController();
  const viewBox = (): Box => {
    const b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(
      (v) => Math.round(v * 1e6) / 1e6,
    ) as Box;
  };

  const showCount = (element: HTMLElement, count: number, truncated: boolean) => {
    element.textContent = truncated
      ? `${count.toLocaleString()}+ (${t('truncated')})`
      : count.toLocaleString();
    element.dataset.count = String(count);
  };
  async function refreshLayers(): Promise<void> {
    controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const started = performance.now();
    const box = viewBox();
    // A layer whose records were all read for a box that holds the view, under the same filter, has them.
    const stale = (l: Layer) =>
      !l.loaded ||
      l.truncated ||
      l.loaded.district !== filter.district ||
      l.loaded.year !== filter.year ||
      (!byDistrict(l.info) && !contains(l.loaded.box, box));
    const visible = layers.filter(
      (l) => l.visible && (l.info.geometryField || byDistrict(l.info)) && stale(l),
    );
    const wanted = padded(box);
    for (const layer of visible) layer.status.textContent = t('loading');
    const loaded = await Promise.all(
      visible.map(async (layer) => {
        try {
          const counted = byDistrict(layer.info);
          const scope = { district: filter.district, year: filter.year };
          const data: LayerData & { total?: number } = counted
            ? await fetchDistrictCounts(layer.info, layer.spec, districtPoints, scope, signal)
            : await fetchLayer(layer.info, layer.spec, wanted, scope, signal);
          if (signal.aborted) return 0;
          layer.features = data.features;
          layer.loaded = { box: wanted, ...scope };
          layer.yearNote.hidden = !filter.year || yearApplies(layer.spec, layer.info);
          // Drawn by district: the records the counts stand for.
          layer.count = data.total ?? data.features.length;
          layer.truncated = data.truncated;
          (map.getSource(`ds-${layer.info.name}`) as maplibre.GeoJSONSource).setData(
            collection(data.features),
          );
          showCount(layer.status, layer.count, layer.truncated);
          return layer.count;
        } catch (error) {
          if (!signal.aborted) layer.status.textContent = `${t('error')}: ${(error as Error).message}`;
          return 0;
        }
      }),
    );
    if (signal.aborted) return;
    // Drawn: the next idle after a frame (a source whose layers are all hidden draws nothing by itself).
    const idle = map.once('idle');
    map.triggerRepaint();
    await idle;
    api.refreshes.push({ ms: performance.now() - started, features: loaded.reduce((a, b) => a + b, 0) });
  }
  async function refreshAlerts(): Promise<void> {
    if (!keyed) return;
    alertStatus.textContent = t('loading');
    try {
      const data = await fetchAlerts(catalogue, filter, new AbortController().signal);
      alertFeatures = data.features;
      (map.getSource('alerts') as maplibre.GeoJSONSource).setData(collection(data.features));
      showCount(alertStatus, data.alerts, data.truncated);
    } catch (error) {
      alertStatus.textContent = `${t('error')}: ${(error as Error).message}`;
    }
  }
  // A refresh 200 ms after the view settles; a newer move replaces a waiting one (whose promise ends).
  let waiting: { timer: ReturnType<typeof setTimeout>; done: () => void } | undefined;
  map.on('moveend', () => {
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.done();
    }
    track(
      new Promise<void>((done) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          track(refreshLayers()).finally(done);
        }, 200);
        waiting = { timer, done };
      }),
    );
  });

  // ---- clicks
  const alertsCiting = (ref: string): PanelAlert[] => {
    const seen = new Map<string, PanelAlert>();
    for (const f of alertFeatures)
      if (f.properties.ref === ref)
        seen.set(String(f.properties.alert), f.properties as unknown as PanelAlert & { alert: string });
    return [...seen.entries()].map(([id, p]) => ({ id, severity: p.severity, state: p.state, rule: p.rule }));
  };
  const show = async (content: Promise<HTMLElement>) => {
    panel.hidden = false;
    panel.replaceChildren(h('p', {}, t('loading')));
    try {
      const close = h('button', { type: 'button', class: 'close', 'aria-label': t('close') }, '×');
      close.addEventListener('click', () => {
        panel.hidden = true;
      });
      panel.replaceChildren(close, await content);
    } catch (error) {
      panel.replaceChildren(h('p', { class: 'error' }, `${t('error')}: ${(error as Error).message}`));
    }
  };
  const openAlert = (id: string) => track(show(alertPanel(catalogue, id)));
  const openRecord = (info: DatasetInfo, key: Record<string, unknown>): void => {
    track(
      show(
        recordPanel(catalogue, info, key, alertsCiting(recordRef(info, key)), {
          alert: openAlert,
          record: openRecord,
        }),
      ),
    );
  };
  map.on('click', (event) => {
    const [hit] = map.queryRenderedFeatures(event.point, {
      layers: interactive.filter((id) => map.getLayer(id)),
    });
    if (!hit) return;
    const p = hit.properties as Record<string, unknown>;
    if (p.alert) {
      openAlert(String(p.alert));
      return;
    }
    const info = catalogue.datasets.get(String(p.dataset));
    if (!info) return;
    if (p.byDistrict) {
      track(show(districtPanel(info, String(p.district))));
      return;
    }
    const key = Object.fromEntries(info.naturalKey.map((name) => [name, p[name]]));
    openRecord(info, key);
  });
  for (const id of interactive) {
    map.on('mouseenter', id, () => {
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', id, () => {
      map.getCanvas().style.cursor = '';
    });
  }

  // ---- the sidebar: layers and legend, filters, export
  const layerList = h('ul', { class: 'layers' });
  for (const layer of layers) {
    const box = h('input', {
      type: 'checkbox',
      checked: layer.visible,
      disabled: !layer.info.geometryField && !byDistrict(layer.info),
    });
    box.addEventListener('change', () => {
      layer.visible = box.checked;
      setVisible(map, layer);
      if (layer.visible) track(refreshLayers());
    });
    const legend =
      layer.spec.colorBy && colorField(layer.spec, layer.info)
        ? h(
            'ul',
            { class: 'legend' },
            ...Object.entries(layer.spec.colorBy.colors).map(([value, color]) =>
              h(
                'li',
                { 'data-value': value },
                h('i', { style: `background:${color}` }),
                half(
                  labels
                    .get(layer.info.name)
                    ?.get(layer.spec.colorBy?.field ?? '')
                    ?.get(value) ?? value,
                ),
              ),
            ),
          )
        : null;
    layerList.append(
      h(
        'li',
        { 'data-layer': layer.info.name },
        h(
          'label',
          {},
          box,
          h('i', { class: 'swatch', style: `background:${layer.spec.color}` }),
          named(layer.info),
          ' ',
          layer.info.geometryField
            ? layer.status
            : byDistrict(layer.info)
              ? h('span', {}, layer.status, ' ', h('span', { class: 'muted' }, t('byDistrict')))
              : h('span', { class: 'muted' }, t('notReadable')),
          ' ',
          layer.yearNote,
        ),
        legend,
      ),
    );
  }
  const districtSelect = h(
    'select',
    { name: 'district' },
    h('option', { value: '' }, t('allDistricts')),
    ...districts.features.map((f) =>
      h(
        'option',
        { value: f.properties.code, selected: f.properties.code === filter.district },
        f.properties.name,
      ),
    ),
  );
  districtSelect.addEventListener('change', () => {
    filter.district = districtSelect.value || undefined;
    track(refreshLayers());
    track(refreshAlerts());
  });
  const thisYear = new Date().getFullYear();
  const yearSelect = h(
    'select',
    { name: 'year' },
    h('option', { value: '' }, t('allYears')),
    ...[0, 1, 2, 3, 4].map((n) =>
      h(
        'option',
        { value: String(thisYear - n), selected: thisYear - n === filter.year },
        String(thisYear - n),
      ),
    ),
  );
  yearSelect.addEventListener('change', () => {
    filter.year = yearSelect.value ? Number(yearSelect.value) : undefined;
    track(refreshLayers());
    track(refreshAlerts());
  });
  const ruleSelect = h(
    'select',
    { name: 'rule' },
    h('option', { value: '' }, t('allRules')),
    ...rules.map((r) => h('option', { value: r.id }, named(r))),
  );
  ruleSelect.addEventListener('change', () => {
    filter.rule = ruleSelect.value || undefined;
    track(refreshAlerts());
  });
  const states = h(
    'div',
    { class: 'states' },
    ...ALERT_STATES.map((state) => {
      const box = h('input', {
        type: 'checkbox',
        name: 'state',
        value: state,
        checked: filter.states.includes(state),
      });
      box.addEventListener('change', () => {
        filter.states = ALERT_STATES.filter(
          (s) => (states.querySelector(`input[value=${s}]`) as HTMLInputElement).checked,
        );
        track(refreshAlerts());
      });
      return h('label', { title: state }, box, half(stateLabels.get(state) ?? state));
    }),
  );
  const alertsBox = h('input', { type: 'checkbox', name: 'alerts', checked: view.get('alerts') !== 'off' });
  alertsBox.addEventListener('change', () => {
    for (const id of ['alerts-line', 'alerts-point'])
      map.setLayoutProperty(id, 'visibility', alertsBox.checked ? 'visible' : 'none');
    if (alertsBox.checked && !alertFeatures.length) track(refreshAlerts());
  });
  const exportGeojson = h('button', { type: 'button' }, t('exportGeojson'));
  exportGeojson.addEventListener('click', () => {
    const features = [...layers.filter((l) => l.visible).flatMap((l) => l.features), ...alertFeatures];
    download(
      new Blob([JSON.stringify(collection(features))], { type: 'application/geo+json' }),
      'jingtu-map.geojson',
    );
  });
  const exportPng = h('button', { type: 'button' }, t('exportPng'));
  exportPng.addEventListener('click', () => {
    map.getCanvas().toBlob((blob) => blob && download(blob, 'jingtu-map.png'), 'image/png');
  });
  sidebar.append(
    ...[
      h('h2', {}, t('layers')),
      layerList,
      keyed
        ? h(
            'section',
            { class: 'alert-filters' },
            h('h2', {}, h('label', {}, alertsBox, t('alerts'), ' ', alertStatus)),
            h(
              'ul',
              { class: 'legend' },
              ...Object.entries(SEVERITY_COLORS).map(([s, c]) =>
                h(
                  'li',
                  { 'data-value': s },
                  h('i', { style: `border:3px solid ${c}` }),
                  half(severities.get(s) ?? s),
                ),
              ),
            ),
            h('label', {}, t('rule'), ruleSelect),
            h('fieldset', {}, h('legend', {}, t('state')), states),
          )
        : null,
      h('h2', {}, t('filters')),
      h('label', {}, t('district'), districtSelect),
      h('label', { title: t('yearHint') }, t('year'), yearSelect),
      h('h2', {}, t('export')),
      h('div', { class: 'exports' }, exportGeojson, exportPng),
      h('p', { class: 'source muted' }, `${t('source')}: ${districts.source}. ${t('illustrative')}`),
    ].filter((x): x is HTMLElement => x !== null),
  );

  api.features = (name) =>
    name === 'alerts' ? alertFeatures : (layers.find((l) => l.info.name === name)?.features ?? []);
  api.loadedBox = (name) => layers.find((l) => l.info.name === name)?.loaded?.box;
  api.counts = () => ({
    ...Object.fromEntries(layers.map((l) => [l.info.name, l.count])),
    alerts: new Set(alertFeatures.map((f) => f.properties.alert)).size,
  });
  if (!alertsBox.checked) alertsBox.dispatchEvent(new Event('change'));
  await Promise.all([track(refreshLayers()), alertsBox.checked ? track(refreshAlerts()) : undefined]);
}

function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

api.ready = start().catch((error: Error) => {
  api.error = error.message;
  document.getElementById('app')?.append(h('p', { class: 'error' }, `${t('error')}: ${error.message}`));
});
