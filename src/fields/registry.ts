import type { FieldKind } from './kind.js';
import { analyteResults } from './kinds/analyteResults.js';
import { boolean } from './kinds/boolean.js';
import { code } from './kinds/code.js';
import { creditCode } from './kinds/creditCode.js';
import { date } from './kinds/date.js';
import { district } from './kinds/district.js';
import { enumeration } from './kinds/enumeration.js';
import { integer } from './kinds/integer.js';
import { number } from './kinds/number.js';
import { point } from './kinds/point.js';
import { polygon } from './kinds/polygon.js';
import { text } from './kinds/text.js';
import { textList } from './kinds/textList.js';

/** Every field kind. Adding one: its module in kinds/ and one line here. */
const KINDS = [
  text,
  code,
  enumeration,
  district,
  creditCode,
  date,
  integer,
  number,
  boolean,
  point,
  polygon,
  textList,
  analyteResults,
] as const;

type Declaration<K> = K extends FieldKind<infer D> ? D : never;

/** A field's type and its kind's settings, as a dataset declares it: one of the kinds' declarations. */
export type FieldType = Declaration<(typeof KINDS)[number]>;

const byType = new Map<string, FieldKind<FieldType>>(KINDS.map((kind) => [kind.type, kind]));

/** The kind of a declared field. */
export function kindOf(field: { type: FieldType['type'] }): FieldKind<FieldType> {
  const kind = byType.get(field.type);
  if (!kind) throw new Error(`unknown field type ${field.type}`);
  return kind;
}
