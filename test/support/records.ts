import { randomUUID } from 'node:crypto';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import type { FieldDef } from '../../src/catalog/types.js';
import type { Db } from '../../src/db/connection.js';
import { creditCodeCheckCharacter } from '../../src/domain/creditCode.js';

/** A fresh id that keeps a test's rows apart from every other test's. */
export const uniqueId = () => randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid unified social credit code derived from a seed string. */
export function creditCodeFor(seed: string): string {
  let hash = 0;
  let body = '91110115';
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  for (let i = 0; i < 9; i++) {
    body += CREDIT_ALPHABET[(hash >>> (i * 3)) % 31];
    hash = (hash * 1103515245 + 12345) >>> 0;
  }
  return body + creditCodeCheckCharacter(body);
}

/** A square polygon of `size` degrees with its lower-left corner at (lon, lat). */
export function square(lon: number, lat: number, size = 0.001) {
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
      ],
    ],
  };
}

/** A polygon whose ring crosses itself (a bow tie): never a valid boundary. */
export const bowtie = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [116, 39],
      [117, 40],
      [117, 39],
      [116, 40],
      [116, 39],
    ],
  ],
};

/** The sub-selection a field of an object type needs (analyte results); empty for a scalar. */
export function subSelection(field: FieldDef | undefined): string {
  return field?.type === 'analyteResults'
    ? ' { analyte value unit method detectionLimit belowDetection }'
    : '';
}

/** A declared field as a selection: its name, and its sub-selection where it has one. */
export const fieldSelection = (name: string, field: FieldDef) => `${name}${subSelection(field)}`;

/** A valid value for a declared field, recognisable by the test id and field name. */
export function sampleValue(name: string, field: FieldDef, id: string): unknown {
  switch (field.type) {
    case 'integer':
      return field.min ?? 7;
    case 'number':
      return 12.5;
    case 'date':
      return '2024-05-01';
    case 'boolean':
      return true;
    case 'enum':
      return Object.keys(field.enum.values)[0];
    case 'creditCode':
      return creditCodeFor(`${id}`);
    case 'district':
      return '110115';
    case 'point':
      return { type: 'Point', coordinates: [116.34, 39.73] };
    case 'polygon':
      return square(116.34, 39.73);
    case 'textList':
      return [`${name}-${id}`];
    case 'analyteResults':
      // As the hub stores it (every property present), so that what is read back equals what was sent.
      return [
        {
          analyte: field.analytes?.[0] ?? 'Cd',
          value: 12.5,
          unit: field.units?.[0] ?? 'mg/kg',
          method: `${name}-${id}`,
          detectionLimit: 0.01,
          belowDetection: false,
        },
      ];
    default:
      return (field.type === 'text' || field.type === 'code') && field.example
        ? field.example
        : `${name}-${id}`;
  }
}

/** A complete, valid record of a dataset: every declared field filled, then the overrides. */
export type SampleRecord = Record<string, any> & {
  publisher: string;
  sourceRecordId: string;
  syncBatch: string;
};

export function sampleRecord(
  dataset: Dataset,
  id: string,
  overrides: Record<string, unknown> = {},
): SampleRecord {
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(dataset.fields)) values[name] = sampleValue(name, field, id);
  const coded = dataset.publishingScope?.codeNamesDistrict;
  if (coded && dataset.districtField) {
    // A code that names its district (YXJG-110115-…): the sample's district and the test id.
    const codeField = dataset.fields[coded.field];
    values[coded.field] = String(codeField.type === 'text' ? codeField.example : '')
      .replace(/\d{6}/, String(overrides[dataset.districtField] ?? values[dataset.districtField]))
      .replace(
        /[^-]+$/,
        id
          .replace(/[^0-9A-Z]/gi, '')
          .toUpperCase()
          .slice(0, 20),
      );
  }
  Object.assign(values, overrides);
  return {
    ...values,
    publisher: dataset.owner,
    sourceRecordId: dataset.key.map((k) => String(values[k])).join(':'),
    syncBatch: `test-${id}`,
  };
}

/** A record as a department system publishes it: declared fields only, no provenance. */
export function outgoingRecord(name: string, id: string, overrides: Record<string, unknown> = {}) {
  const dataset = datasetByName(name);
  if (!dataset) throw new Error(`no dataset ${name}`);
  const {
    publisher: _p,
    sourceRecordId: _s,
    syncBatch: _b,
    ...values
  } = sampleRecord(dataset, id, overrides);
  return values;
}

/** Inserts records straight into a dataset's table, as they stand (tests publish through the seed kit). */
export async function insertRecords(db: Db, dataset: Dataset, records: Record<string, unknown>[]) {
  for (let i = 0; i < records.length; i += 500) {
    await db.insert(dataset.drizzle).values(records.slice(i, i + 500) as any);
  }
}

/**
 * The change-feed scenario both publishing paths are tested with: five permits published, then the first
 * updated and the second deleted in a second batch. A reader of the feed sees this run's permits as
 * `expected` (operation:permitNo:contactPerson, the contact masked): the untouched three, then the update,
 * then the deletion.
 */
export function permitFeedScenario(id: string, overrides: Record<string, unknown> = {}) {
  const rows = [1, 2, 3, 4, 5].map((n) =>
    outgoingRecord('constructionPermit', `${id}-${n}`, { contactPerson: '李四', ...overrides }),
  );
  const permit = (n: number) => rows[n - 1].permitNo;
  return {
    rows,
    second: [
      { ...rows[0], floorAreaM2: 1 },
      { permitNo: permit(2), deleted: true },
    ],
    expected: [
      `UPSERT:${permit(3)}:李*`,
      `UPSERT:${permit(4)}:李*`,
      `UPSERT:${permit(5)}:李*`,
      `UPSERT:${permit(1)}:李*`,
      `DELETE:${permit(2)}:李*`,
    ],
  };
}
