/**
 * The map's base layer: Beijing's 16 districts from `@esmjs/geo` (MIT; its boundaries are Aliyun DataV's,
 * in GCJ-02), converted to WGS84 with `gcoord` (the hub's data is WGS84), rounded to 5 decimals (about a
 * metre), written as one GeoJSON file next to the pages. Illustrative (示意): not a legal boundary.
 * China's packages ship no town (乡镇/街道) boundaries: towns are not drawn. Beijing Economic-Technological
 * Development Area (北京经济技术开发区, 110400), which the hub treats as a district, has no boundary in the
 * package: it is a label point only, at its administrative committee's location (approximate).
 */
import { beijing } from '@esmjs/geo';
import gcoord from 'gcoord';
import type { Plugin } from 'vite';

export const DISTRICTS_FILE = 'base/beijing-districts.geojson';
export const DISTRICTS_SOURCE =
  '@esmjs/geo 1.0.0 (MIT), from Aliyun DataV (GCJ-02), converted to WGS84 with gcoord; 示意 / illustrative';

type Position = number[];
type Coordinates = Position | Coordinates[];

const rounded = (c: Coordinates): Coordinates =>
  typeof c[0] === 'number'
    ? (c as Position).map((v) => Math.round(v * 1e5) / 1e5)
    : (c as Coordinates[]).map(rounded);

/** Areas the hub treats as districts that the package draws no boundary for: a label point each. */
const LABEL_ONLY = [{ code: '110400', name: '北京经济技术开发区', lon: 116.5068, lat: 39.7953 }];

export function districtsGeojson(): string {
  const wgs84 = gcoord.transform(
    structuredClone(beijing) as never,
    gcoord.GCJ02,
    gcoord.WGS84,
  ) as unknown as {
    features: {
      properties: { adcode: number; name: string; center: number[] };
      geometry: { type: string; coordinates: Coordinates };
    }[];
  };
  return JSON.stringify({
    type: 'FeatureCollection',
    source: DISTRICTS_SOURCE,
    features: [
      ...wgs84.features.map((f) => {
        const [lon, lat] = gcoord.transform(
          f.properties.center as [number, number],
          gcoord.GCJ02,
          gcoord.WGS84,
        );
        return {
          type: 'Feature',
          properties: {
            code: String(f.properties.adcode),
            name: f.properties.name,
            labelLon: Math.round(lon * 1e5) / 1e5,
            labelLat: Math.round(lat * 1e5) / 1e5,
          },
          geometry: { type: f.geometry.type, coordinates: rounded(f.geometry.coordinates) },
        };
      }),
      ...LABEL_ONLY.map((a) => ({
        type: 'Feature',
        properties: { code: a.code, name: a.name, labelLon: a.lon, labelLat: a.lat },
        geometry: { type: 'Point', coordinates: [a.lon, a.lat] },
      })),
    ],
  });
}

/** Emits the districts file into the build, and serves it in development. */
export function districts(): Plugin {
  let body: string | undefined;
  const file = () => (body ??= districtsGeojson());
  return {
    name: 'jingtu-districts',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DISTRICTS_FILE, source: file() });
    },
    configureServer(server) {
      server.middlewares.use(`/app/${DISTRICTS_FILE}`, (_req, res) => {
        res.setHeader('content-type', 'application/geo+json');
        res.end(file());
      });
    },
  };
}
