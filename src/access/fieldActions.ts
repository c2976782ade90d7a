import type { GraphQLError } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import type { LinkDef } from '../catalog/types.js';
import { forbidden } from '../errors.js';
import type { EffectiveAccess } from './effectiveAccess.js';

/**
 * The actions on records that depend on the request's grants (src/access/actions.ts has the others):
 * reading a field, following a cross-link, and using a field in a query (filter, search, sort, look up,
 * group, aggregate). Each decision is the caller's EffectiveAccess; here are the refusals, one wording each.
 */

/** Why a field is denied, as the FORBIDDEN error says it. */
const DENIED_BECAUSE = {
  NO_GRANT: '有条件共享字段，需经批准的授权 / conditional field: it needs an approved, unexpired grant',
  PRIVATE: '不予共享字段 / private field: owner and auditors only',
} as const;

/** Reading a field of a record: denied, or read (clear or masked); a publisher reads its own rows in clear. */
export function canReadField(
  access: EffectiveAccess,
  dataset: Dataset,
  name: string,
  row?: Readonly<Record<string, unknown>>,
): boolean {
  return (row ? access.fieldOfRow(dataset, name, row) : access.field(dataset, name).mode) !== 'DENIED';
}

/** The error in place of a field the caller may not read. */
export function readFieldRefusal(access: EffectiveAccess, dataset: Dataset, name: string): GraphQLError {
  const reason = access.field(dataset, name).reason as keyof typeof DENIED_BECAUSE;
  return forbidden(`无权读取 / You may not read ${dataset.names.type}.${name}: ${DENIED_BECAUSE[reason]}`, {
    reason,
  });
}

/** Following a cross-link: only when the caller reads the fields it joins on, on both sides, in clear. */
export function canFollowLink(
  access: EffectiveAccess,
  source: Dataset,
  link: LinkDef,
  target: Dataset,
): boolean {
  return access.canFollow(source, link, target);
}

/** The refusal of a cross-link, followed (a field of a record) or filtered by (a list's argument). */
export function followLinkRefusal(source: Dataset, linkName: string, use: 'follow' | 'filter'): GraphQLError {
  const path = `${source.names.type}.${linkName}`;
  return use === 'follow'
    ? forbidden(`无权关联 / You may not follow ${path}: it joins on fields you cannot read in clear`)
    : forbidden(
        `不可按无权关联的链接筛选 / You may not filter by ${path}: it joins on fields you cannot read in clear`,
        {
          field: linkName,
        },
      );
}

export function assertFollowLink(
  access: EffectiveAccess,
  source: Dataset,
  linkName: string,
  link: LinkDef,
  target: Dataset,
  use: 'follow' | 'filter',
): void {
  if (!canFollowLink(access, source, link, target)) throw followLinkRefusal(source, linkName, use);
}

/** How a query uses a field: to narrow or order a list, or to group and aggregate. */
export type FieldUse = 'filter' | 'search' | 'sort' | 'look up' | 'group' | 'sum' | 'avg' | 'min' | 'max';

/** A field may narrow, order, group or measure a query only when read in clear: else probing reveals it. */
export function canUseField(access: EffectiveAccess, dataset: Dataset, name: string): boolean {
  return access.readsClear(dataset, name);
}

export function assertUseField(access: EffectiveAccess, dataset: Dataset, name: string, use: FieldUse): void {
  if (!canUseField(access, dataset, name)) throw fieldUseRefusal(access, dataset, name, use);
}

const AGGREGATE_USES: ReadonlySet<FieldUse> = new Set(['group', 'sum', 'avg', 'min', 'max']);

export function fieldUseRefusal(
  access: EffectiveAccess,
  dataset: Dataset,
  name: string,
  use: FieldUse,
): GraphQLError {
  const path = `${dataset.names.type}.${name}`;
  if (!AGGREGATE_USES.has(use)) {
    return forbidden(
      `不可按无权读取的字段${use} / You may not ${use} by ${path}: you cannot read it in clear`,
      { field: name },
    );
  }
  const { mode, reason } = access.field(dataset, name);
  return forbidden(
    `不可按无权明文读取的字段${use === 'group' ? '分组' : '统计'} / You may not ${use} by ${path}: you read it ${mode === 'MASKED' ? 'masked' : 'not at all'} (${reason})`,
    { field: name, reason },
  );
}

/** A group key or a measure selected in an aggregate's answer (the shield rule of its field). */
export function aggregateFieldRefusal(dataset: Dataset, name: string): GraphQLError {
  return forbidden(
    `无权统计 / You may not group by or aggregate ${dataset.names.type}.${name}: you cannot read it in clear`,
  );
}
