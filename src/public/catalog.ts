import { type Dataset, sharingOf } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';

/**
 * What the catalogue discloses to everyone (向社会公开): the PUBLIC fields of each dataset that has any. The
 * public schema, the downloads and their tests all read it from here, so that a field declared PUBLIC (or
 * no longer) changes them all at once.
 */

/** Whether a field of a dataset is disclosed to everyone. */
export function isPublicField(dataset: Dataset, name: string): boolean {
  const field = Object.hasOwn(dataset.fields, name) ? dataset.fields[name] : undefined;
  return field !== undefined && sharingOf(field) === 'PUBLIC';
}

/** A dataset's PUBLIC fields, in declaration order. */
export function publicFieldsOf(dataset: Dataset): string[] {
  return Object.keys(dataset.fields).filter((name) => isPublicField(dataset, name));
}

/** The datasets with at least one PUBLIC field. */
export const publicDatasets: readonly Dataset[] = datasets.filter(
  (dataset) => publicFieldsOf(dataset).length,
);

/** A public dataset by name, or undefined (also for a dataset that discloses nothing). */
export function publicDataset(name: string): Dataset | undefined {
  return publicDatasets.find((dataset) => dataset.name === name);
}

/** Whether a record can be looked up by its natural key in public: every key field is PUBLIC. */
export function keyIsPublic(dataset: Dataset): boolean {
  return dataset.key.every((name) => isPublicField(dataset, name));
}
