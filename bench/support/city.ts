/**
 * A city-scale world for the supervision benchmark: the demo world (src/demo, whose generators make fixed
 * volumes) repeated in tiles. Tile t of every dataset is the demo world with its codes suffixed by `~t`
 * (credit codes, plot, site and parcel codes, towns, text keys), so that the records of one tile refer to
 * each other as the demo's do and never to another tile's, and with its geometry moved by a few kilometres,
 * so that the tiles lie over each other in the city as a denser city would (a plot of one tile may meet a
 * site of another: situations the stories did not plan). A dataset gets as many tiles as its volume needs.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { Dataset } from '../../src/catalog/define.js';
import type { FieldDef } from '../../src/catalog/types.js';
import { offsetMetres } from '../../src/demo/geography.js';
import { demoRecords } from '../../src/demo/rows.js';
import type { GeoPoint, GeoPolygon } from '../../src/domain/geometry.js';
import { copyCell, copyText, datasetNamed, loadColumns } from './data.js';

/**
 * Tiles per dataset at scale 1 (the city): 100k rezoned plots, 20k register sites and priority
 * plots, ~200k soil monitoring results, ~1M pesticide (and as many fertiliser) rows; the datasets linked
 * to the sites by code (enterprises, stages, ledgers) as many tiles as the sites, permits as many as the
 * plots they are issued on. Datasets no rule reads by field stay at the demo's size.
 */
export const CITY_TILES: Readonly<Record<string, number>> = {
  landUseChange: 100,
  constructionPermit: 100,
  contaminatedSite: 10,
  priorityPlot: 10,
  remediationStage: 10,
  undevelopedLand: 10,
  keySupervisedUnit: 10,
  closedEnterprise: 10,
  siteScreening: 10,
  demolitionFiling: 10,
  landRightChange: 10,
  farmlandClass: 10,
  irrigationWell: 10,
  soilMonitoring: 41,
  soilMonitoringNetwork: 41,
  pesticideUse: 333,
  fertiliserUse: 333,
};

/** Tiles per dataset at a scale (at least one each), for every dataset of the catalogue. */
export function tilesAt(scale: number, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    names.map((name) => [name, Math.max(1, Math.round((CITY_TILES[name] ?? 1) * scale))]),
  );
}

/** Whether a field links records (and so takes its tile's suffix): codes, towns and text keys. */
function linksRecords(dataset: Dataset, name: string, field: FieldDef): boolean {
  if (field.type === 'creditCode') return true;
  return field.type === 'text' && (dataset.key.includes(name) || /Code$|No$|^town$/.test(name));
}

/**
 * Where tile t lies against the demo's: an R2 low-discrepancy sequence over ±10 km east and north, so that
 * the tiles spread evenly; tile 0 is the demo world itself.
 */
export function tileShiftMetres(tile: number): [number, number] {
  if (tile === 0) return [0, 0];
  const fraction = (x: number) => x - Math.floor(x);
  return [(fraction(tile * 0.7548776662) - 0.5) * 20_000, (fraction(tile * 0.569840291) - 0.5) * 20_000];
}

const shifted = (coordinate: number[], [east, north]: [number, number]) =>
  offsetMetres([coordinate[0], coordinate[1]], east, north);

/** A demo record as tile t holds it: linking codes suffixed, geometry moved, provenance kept. */
export function tileRecord(
  dataset: Dataset,
  template: Readonly<Record<string, unknown>>,
  tile: number,
): Record<string, unknown> {
  const shift = tileShiftMetres(tile);
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(dataset.fields)) {
    const value = template[name] ?? null;
    if (value === null || tile === 0) values[name] = value;
    else if (linksRecords(dataset, name, field)) values[name] = `${value}~${tile}`;
    else if (field.type === 'point') {
      const point = value as GeoPoint;
      values[name] = { type: 'Point', coordinates: shifted(point.coordinates, shift) };
    } else if (field.type === 'polygon') {
      const polygon = value as GeoPolygon;
      values[name] = {
        type: 'Polygon',
        coordinates: polygon.coordinates.map((ring) => ring.map((c) => shifted(c, shift))),
      };
    } else values[name] = value;
  }
  return values;
}

/** The demo records of a dataset (its tile 0), each with its publisher. */
export function templatesOf(dataset: Dataset): readonly (Record<string, unknown> & { publisher: string })[] {
  return demoRecords().get(dataset.name) ?? [];
}

/** Tiles [from, to) of a dataset, as records with their publisher and source record id. */
export function* tileRecords(
  dataset: Dataset,
  from: number,
  to: number,
): Generator<{ values: Record<string, unknown>; publisher: string; sourceRecordId: string }> {
  for (let tile = from; tile < to; tile++) {
    for (const template of templatesOf(dataset)) {
      const values = tileRecord(dataset, template, tile);
      const sourceRecordId = dataset.key.map((key) => String(values[key])).join(':');
      yield { values, publisher: template.publisher, sourceRecordId };
    }
  }
}

/** Rows per COPY statement: the embedded database holds a COPY's data in memory until its end. */
const COPY_ROWS = 50_000;

/** COPY text of tiles [from, to) of a dataset, in pieces of about a MiB, each piece whole lines. */
function* copyPieces(dataset: Dataset, from: number, to: number, batch: string, rows: { n: number }) {
  const entries = Object.entries(dataset.fields);
  let piece = '';
  for (const record of tileRecords(dataset, from, to)) {
    const cells = entries.map(([name, field]) => copyCell(field, record.values[name]));
    piece += `${[...cells, record.publisher, copyText(record.sourceRecordId), batch].join('\t')}\n`;
    rows.n++;
    if (piece.length > 1 << 20) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/**
 * Loads tiles [0, tiles) of a dataset into its table by COPY (about COPY_ROWS rows per statement), in
 * sync batch `batch`, and analyses the table; returns the rows loaded.
 */
export async function copyTiles(
  sql: postgres.Sql,
  name: string,
  tiles: number,
  batch: string,
): Promise<number> {
  const dataset = datasetNamed(name);
  const perTile = templatesOf(dataset).length;
  const tilesPerCopy = Math.max(1, Math.floor(COPY_ROWS / Math.max(1, perTile)));
  const rows = { n: 0 };
  for (let from = 0; from < tiles; from += tilesPerCopy) {
    const to = Math.min(tiles, from + tilesPerCopy);
    await sql.begin(async (tx) => {
      await tx`set local statement_timeout = 0`;
      const target = await tx`copy ${tx(dataset.table)} (${tx(loadColumns(dataset))}) from stdin`.writable();
      await pipeline(Readable.from(copyPieces(dataset, from, to, batch, rows)), target);
    });
  }
  await sql`analyze ${sql(dataset.table)}`;
  return rows.n;
}
