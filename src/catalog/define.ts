import { type DatasetTable, datasetTable } from '../db/datasetTable.js';
import type { DatasetInput, EnumDef, EnumValue, FieldDef, SharingClass } from './types.js';

export interface Dataset extends DatasetInput {
  /** The drizzle table derived from the declaration. */
  readonly drizzle: DatasetTable;
}

export function defineEnum(name: string, zh: string, en: string, values: Record<string, EnumValue>): EnumDef {
  return { name, zh, en, values };
}

/**
 * A dataset's field by a name from outside (a record's key, a CSV column, a requested field): own
 * properties only, so `__proto__`, `constructor` or `toString` name no field.
 */
export function fieldOf(dataset: DatasetInput, name: string): FieldDef | undefined {
  return Object.hasOwn(dataset.fields, name) ? dataset.fields[name] : undefined;
}

/** The sharing class a field falls under: declared, or PRIVATE for personal data, or OPEN. */
export function sharingOf(field: FieldDef): SharingClass {
  return field.sharing ?? (field.personal ? 'PRIVATE' : 'OPEN');
}

/** A department's code (upper case), a district's GB/T 2260 code, or `DISTRICT` for every district. */
const RECIPIENT = /^(?:[A-Z][A-Z_]{1,31}|\d{6})$/;

function fail(dataset: DatasetInput, message: string): never {
  throw new Error(`dataset ${dataset.name}: ${message}`);
}

/** Declares a dataset once; checks the declaration is coherent and derives its table. */
export function defineDataset(input: DatasetInput): Dataset {
  const fields = input.fields;
  for (const key of input.key) {
    if (!fields[key]) fail(input, `natural key field ${key} is not declared`);
    if (!fields[key].required) fail(input, `natural key field ${key} must be required`);
    // A record is looked up, linked and named (an alert's evidence) by its key: whoever sees the row reads it.
    if (!['OPEN', 'PUBLIC'].includes(sharingOf(fields[key])))
      fail(input, `natural key field ${key} must be OPEN or PUBLIC`);
  }
  if (input.districtField && fields[input.districtField]?.type !== 'district') {
    fail(input, `districtField ${input.districtField} must be a district field`);
  }
  if (input.geometryField && !['point', 'polygon'].includes(fields[input.geometryField]?.type ?? '')) {
    fail(input, `geometryField ${input.geometryField} must be a point or polygon field`);
  }
  if (input.defaultOrder && !fields[input.defaultOrder.field]?.sortable) {
    fail(input, `defaultOrder field ${input.defaultOrder.field} must be sortable`);
  }
  for (const fields of input.indexes ?? []) {
    for (const name of fields) if (!input.fields[name]) fail(input, `index field ${name} is not declared`);
  }
  const scope = input.publishingScope;
  if (input.districtPublishers && !scope?.codeNamesDistrict && !scope?.entities?.length) {
    fail(input, 'a dataset with district publishers declares its publishingScope');
  }
  if (scope?.codeNamesDistrict) {
    const { field } = scope.codeNamesDistrict;
    if (fields[field]?.type !== 'text' || !input.districtField) {
      fail(input, `publishingScope: ${field} must be a text field of a dataset with a districtField`);
    }
  }
  for (const name of scope?.entities ?? []) {
    if (input.links?.[name]?.kind !== 'one')
      fail(input, `publishingScope: ${name} must be a link of kind one`);
  }
  for (const [name, field] of Object.entries(fields)) {
    if (field.personal && sharingOf(field) !== 'PRIVATE' && !field.mask) {
      fail(input, `personal field ${name} is shared but has no masking rule`);
    }
    if (field.personal && sharingOf(field) === 'PUBLIC')
      fail(input, `personal field ${name} cannot be PUBLIC`);
  }
  for (const mandate of input.mandates ?? []) {
    const { plan, article, quote } = mandate.basis;
    if (!plan.trim() || !article.trim() || !quote.trim())
      fail(input, 'a mandate names its plan, article and quote');
    if (!mandate.to.length || !mandate.fields.length)
      fail(input, 'a mandate names its recipients and fields');
    for (const recipient of mandate.to) {
      if (!RECIPIENT.test(recipient)) fail(input, `mandate recipient ${recipient} is not a principal code`);
      if (recipient === input.owner) fail(input, `mandate recipient ${recipient} owns the dataset`);
    }
    for (const name of mandate.fields) {
      const field = fieldOf(input, name);
      if (!field) fail(input, `mandated field ${name} is not declared`);
      if (field.personal) fail(input, `mandated field ${name} is personal data`);
    }
  }
  return { ...input, drizzle: datasetTable(input) };
}
