import { sharingOf } from '../catalog/define.js';
import { type FieldDef, SHARING_CLASS_NAMES } from '../catalog/types.js';

/** Chinese first, then English: how every type and field of the schema describes itself. */
export function bilingual(zh: string, en: string, extra?: string): string {
  return extra ? `${zh} / ${en}\n\n${extra}` : `${zh} / ${en}`;
}

/** A field's description: its names, sharing class and whether it is personal data. */
export function describeField(field: FieldDef): string {
  const sharing = sharingOf(field);
  const notes = [`共享类别 Sharing: ${SHARING_CLASS_NAMES[sharing].zh} ${sharing}`];
  if (field.personal)
    notes.push(`个人信息 Personal data${field.mask ? `（脱敏 masked: ${field.mask}）` : ''}`);
  return bilingual(field.zh, field.en, notes.join('；'));
}
