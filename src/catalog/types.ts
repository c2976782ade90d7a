/**
 * The vocabulary of the sharing catalogue (资源共享目录). A dataset is declared once with these types;
 * its table, GraphQL type, filters, validation and (later) sharing rules are all derived from it.
 */

/**
 * Government data-sharing classes: 向社会公开 / 无条件共享 / 有条件共享 / 不予共享. `PUBLIC` is above `OPEN`:
 * published to everyone, also without a key (the plans order the register and the key unit list disclosed).
 */
export type SharingClass = 'PUBLIC' | 'OPEN' | 'CONDITIONAL' | 'PRIVATE';

/** Each sharing class's names, Chinese first: how descriptions, the catalogue and grant refusals say it. */
export const SHARING_CLASS_NAMES: Readonly<Record<SharingClass, { zh: string; en: string }>> = {
  PUBLIC: { zh: '向社会公开', en: 'Public: disclosed to everyone, without a key' },
  OPEN: { zh: '无条件共享', en: 'Open to every authenticated department' },
  CONDITIONAL: { zh: '有条件共享', en: 'Readable under an approved, unexpired grant' },
  PRIVATE: { zh: '不予共享', en: 'Owner and auditors only' },
};

/** How a personal-data field is shown when it is shared masked (脱敏). */
export type MaskRule = 'name' | 'phone' | 'idNumber';

export type { EnumDef, EnumValue } from '../fields/enums.js';
/** A field's type and its kind's settings (`{ type: 'number', scale: 2 }`): see src/fields/kinds. */
export type { FieldType } from '../fields/registry.js';

import type { FieldType } from '../fields/registry.js';

export interface FieldOptions {
  /** Chinese name, shown first in every description. */
  zh: string;
  /** English name or short English description. */
  en: string;
  required?: boolean;
  /** Sharing class; defaults to OPEN, or PRIVATE for personal data. */
  sharing?: SharingClass;
  /** Personal information under the PIPL (个人信息). */
  personal?: boolean;
  /** Masking applied where the field is shared masked. */
  mask?: MaskRule;
  /** Expose a filter on this field in the list query. */
  filter?: boolean;
  /** Allow ordering by this field. */
  sortable?: boolean;
  /** Include this field in the free-text `search` filter. */
  search?: boolean;
}

export type FieldDef = FieldType & FieldOptions;

export type LinkDef =
  | {
      zh: string;
      en: string;
      /** Name of the target dataset. */
      to: string;
      /** `one`: at most one target (the target's key); `many`: every target row that matches. */
      kind: 'one' | 'many';
      /** Local field → target field equalities. */
      on: Readonly<Record<string, string>>;
    }
  | {
      zh: string;
      en: string;
      to: string;
      kind: 'overlap';
      /** Local geometry field and target geometry field whose shapes overlap. */
      from: string;
      toField: string;
    };

/**
 * How datasets are shared (共享方式). The hub serves every dataset all three ways (the query API, the change
 * feed over GraphQL and HTTP, the bulk export), so the catalogue lists them for each.
 */
export const SHARING_METHODS = ['GRAPHQL_QUERY', 'CHANGE_FEED', 'BULK_EXPORT'] as const;

export interface DatasetNames {
  /** GraphQL object type, e.g. `ConstructionPermit`. */
  type: string;
  /** Lookup field by natural key, e.g. `constructionPermit`. */
  one: string;
  /** Connection field, e.g. `constructionPermits`. */
  many: string;
}

/**
 * Who may write a record about what (发布范围), beyond "a publisher writes its own rows". A record is about
 * entities: its own code (a plot code that names its district) and the entities of other datasets it
 * refers to (the credit code of a closed enterprise). The owner writes every record of its dataset; any
 * other publisher writes a record only about entities it is entitled to, by what it can read: a district,
 * the entities of its district by their owner's record. Every dataset with district publishers declares
 * one, so that a district's write is judged against what it can see, never against records it cannot.
 */
export interface PublishingScope {
  /** A code field whose text names the record's district: the pattern's first group is the district code. */
  codeNamesDistrict?: { field: string; pattern: RegExp; hint: string };
  /**
   * Cross-links (kind `one`, declared in `links`) to the entities a record is about: a publisher other
   * than the owner writes a record only when each entity it names is a live record it can read.
   */
  entities?: readonly string[];
}

/** Where a plan orders something: the plan, its article, and the phrase quoted from it. */
export interface PlanBasis {
  /** The plan's Chinese title, e.g. 《北京市土壤污染防治“十四五”规划》. */
  plan: string;
  /** The article, e.g. `四(二)3`. */
  article: string;
  /** The phrase of the plan that orders it, in Chinese. */
  quote: string;
}

/**
 * Mandated sharing (法定共享): a plan orders a dataset's fields shared with named recipients. A mandate
 * reads like a standing grant that nobody applies for and the owner cannot revoke: the recipients read the
 * fields (masked where personal data is masked) with reason `MANDATE`. A change is a change of the catalogue.
 */
export interface Mandate {
  /** The recipients the plan names: principal codes (a department, a district), or `DISTRICT` for every district (its rows only). */
  to: readonly string[];
  /** The fields ordered shared. Never personal data: the plans order no personal information shared. */
  fields: readonly string[];
  basis: PlanBasis;
}

export interface DatasetInput {
  /** Stable machine name (also the dataset id in the catalogue and the sync API). */
  name: string;
  /**
   * The dataset's place in the catalogue (lists, the printed schema, the demo's load order), unique: the
   * generated catalogue sorts by it, so a new dataset goes last by taking a higher number than any.
   * Every file of src/catalog/datasets/ declares it (the generator refuses one without); a dataset
   * declared elsewhere (a test's) is in no catalogue.
   */
  position?: number;
  names: DatasetNames;
  /** SQL table name. */
  table: string;
  zh: string;
  en: string;
  description?: string;
  /** Owning department code. */
  owner: string;
  /** Further departments that publish their own rows. */
  publishers?: readonly string[];
  /** Districts publish rows of their own district. */
  districtPublishers?: boolean;
  /** What a publisher other than the owner may write about; required with `districtPublishers`. */
  publishingScope?: PublishingScope;
  /** The fields a plan orders shared with named recipients, beyond their sharing class. */
  mandates?: readonly Mandate[];
  /** Declared update cycle as an ISO 8601 duration (e.g. `P1D`). */
  updateCycle: string;
  /** Natural key from the source systems: the fields that identify a record. */
  key: readonly string[];
  /** The district field used for district-scoped access. */
  districtField?: string;
  /** The main geometry field, used by the bounding-box filter. */
  geometryField?: string;
  fields: Readonly<Record<string, FieldDef>>;
  links?: Readonly<Record<string, LinkDef>>;
  /**
   * Composite indexes for filter combinations that aggregates and lists use together (each filterable
   * field already has an index of its own), e.g. `[['landCategory', 'year']]`.
   */
  indexes?: readonly (readonly string[])[];
  defaultOrder?: { field: string; direction: 'ASC' | 'DESC' };
}
