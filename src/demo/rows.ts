import { datasets } from '../catalog/registry.js';
import { demoGenerators } from './generators.generated.js';
import { DEMO_BATCH } from './random.js';
import { demoWorld } from './world.js';

/** A demo record ready to insert: declared fields by name plus provenance (publisher, source id, batch). */
export type DemoRecord = Record<string, unknown> & {
  publisher: string;
  sourceRecordId: string;
  syncBatch: string;
};

let cached: Map<string, DemoRecord[]> | undefined;

/**
 * Every dataset's demo records, in catalogue order; built once per process, identical on every run.
 * The source record id is the natural key joined with ':', as the source systems would send it.
 */
export function demoRecords(): ReadonlyMap<string, DemoRecord[]> {
  if (cached) return cached;
  const world = demoWorld();
  const records = new Map<string, DemoRecord[]>();
  for (const dataset of datasets) {
    const generate = demoGenerators[dataset.name];
    if (!generate) throw new Error(`no demo generator for dataset ${dataset.name}`);
    records.set(
      dataset.name,
      generate(world, dataset).map((row) => ({
        ...row,
        sourceRecordId: dataset.key.map((key) => String(row[key])).join(':'),
        syncBatch: DEMO_BATCH,
      })),
    );
  }
  cached = records;
  return records;
}
