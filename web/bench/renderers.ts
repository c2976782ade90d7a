/**
 * The benchmark's renderer page (bench/map.ts, issue 15): the same features drawn by MapLibre GL JS (what
 * /map uses, WebGL) or by Leaflet with its canvas renderer, in the same viewport and style, so that the two
 * libraries are compared on drawing alone (the API reads are the same for both and are left out). Built by
 * the benchmark with Vite; not part of the hub's pages.
 *
 * window.renderers.draw(library) reads /features.json (the records the map page held, and its view), then
 * times from handing the features over to the library to their first drawing; pan() and zoomOut() time a
 * move from its start to the drawing that follows it. longTasks holds the main thread's long tasks.
 */
import 'leaflet/dist/leaflet.css';
import 'maplibre-gl/dist/maplibre-gl.css';
import * as L from 'leaflet';
import * as maplibre from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

maplibre.setWorkerUrl(workerUrl);

type Library = 'maplibre' | 'leaflet';
type Bounds = [number, number, number, number];

interface Loaded {
  bounds: Bounds;
  features: GeoJSON.FeatureCollection;
}

/** What a move's timing is: from its start to the drawing after it, and the longest task meanwhile. */
interface Timed {
  ms: number;
  longestTaskMs: number;
}

declare global {
  interface Window {
    renderers: {
      draw(library: Library): Promise<Timed & { features: number }>;
      pan(): Promise<Timed>;
      zoomOut(): Promise<Timed>;
    };
    longTasks: number[];
  }
}

const COLOR = '#1e88e5';
const element = document.getElementById('map') as HTMLElement;
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });

const frames = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left ? requestAnimationFrame(() => step(left - 1)) : resolve());
    step(n);
  });

/** Times a step from now to its drawing, with the longest main-thread task in between. */
async function timed(step: () => Promise<void>): Promise<Timed> {
  window.longTasks = [];
  const started = performance.now();
  await step();
  const ms = performance.now() - started;
  // A long task is reported after it ends: let the observer catch up.
  await frames(2);
  return { ms, longestTaskMs: Math.max(0, ...window.longTasks) };
}

/** A drawer: puts the features on a map fitted to the bounds, and moves it; each resolves once drawn. */
interface Drawer {
  draw(): Promise<void>;
  pan(dx: number): Promise<void>;
  zoomOut(levels: number): Promise<void>;
}

async function maplibreDrawer({ bounds, features }: Loaded): Promise<Drawer> {
  const map = new maplibre.Map({
    container: element,
    bounds,
    attributionControl: false,
    style: {
      version: 8,
      sources: { plots: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#e8eef3' } },
        { id: 'fill', type: 'fill', source: 'plots', paint: { 'fill-color': COLOR, 'fill-opacity': 0.35 } },
        { id: 'line', type: 'line', source: 'plots', paint: { 'line-color': COLOR, 'line-width': 1 } },
      ],
    },
  });
  await map.once('load');
  const drawn = () => {
    const idle = map.once('idle');
    map.triggerRepaint();
    return idle.then(() => undefined);
  };
  return {
    async draw() {
      (map.getSource('plots') as maplibre.GeoJSONSource).setData(features);
      await drawn();
    },
    async pan(dx) {
      const ended = map.once('moveend');
      map.panBy([dx, 0], { duration: 500 });
      await ended;
      await drawn();
    },
    async zoomOut(levels) {
      const ended = map.once('moveend');
      map.zoomTo(map.getZoom() - levels, { duration: 500 });
      await ended;
      await drawn();
    },
  };
}

async function leafletDrawer({ bounds, features }: Loaded): Promise<Drawer> {
  const renderer = L.canvas();
  const map = L.map(element, { renderer, preferCanvas: true, zoomControl: false, zoomSnap: 0 });
  map.fitBounds([
    [bounds[1], bounds[0]],
    [bounds[3], bounds[2]],
  ]);
  // Leaflet draws its canvas in an animation frame after a change, on the main thread.
  const drawn = () => frames(2);
  return {
    async draw() {
      L.geoJSON(features, {
        renderer,
        style: { color: COLOR, weight: 1, fillColor: COLOR, fillOpacity: 0.35 },
      } as L.GeoJSONOptions).addTo(map);
      await drawn();
    },
    async pan(dx) {
      const ended = new Promise((resolve) => map.once('moveend', resolve));
      map.panBy([dx, 0], { duration: 0.5 });
      await ended;
      await drawn();
    },
    async zoomOut(levels) {
      const ended = new Promise((resolve) => map.once('moveend', resolve));
      map.setZoom(map.getZoom() - levels, { animate: true });
      await ended;
      await drawn();
    },
  };
}

let drawer: Drawer | undefined;
window.renderers = {
  async draw(library) {
    const loaded = (await (await fetch('/features.json')).json()) as Loaded;
    drawer = await (library === 'maplibre' ? maplibreDrawer(loaded) : leafletDrawer(loaded));
    await frames(2);
    const current = drawer;
    return { ...(await timed(() => current.draw())), features: loaded.features.features.length };
  },
  pan: () => timed(() => (drawer as Drawer).pan(Math.round(element.clientWidth / 5))),
  zoomOut: () => timed(() => (drawer as Drawer).zoomOut(1.5)),
};
