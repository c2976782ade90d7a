import type { Dataset } from '../../catalog/define.js';
import type { DemoWorld } from '../world.js';

/** A demo record: declared field values by field name, and the publishing department or district. */
export type DemoRow = Record<string, unknown> & { publisher: string };

/** Makes one dataset's demo rows (deterministically) from the shared world. */
export type DemoGenerator = (world: DemoWorld, dataset: Dataset) => DemoRow[];
