import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import { forbidden } from '../errors.js';
import { type Capability, holds } from './capabilities.js';
import type { Principal } from './principal.js';

/**
 * The catalogue of actions: every authorisation decision of the hub is one of these, made by its `can…`
 * function (and refused by its `assert…`, FORBIDDEN in Chinese and English). A decision reads the
 * dataset's declaration (owner, publishers), the principal's capabilities and, for fields, its grants;
 * never a principal's code. Field, link and query-use decisions, which need the request's grants, are in
 * src/access/fieldActions.ts.
 */
export const ACTIONS = {
  readField: { capability: 'readAllFields', what: 'read a field of a record (clear, masked or denied)' },
  followLink: { capability: 'readAllFields', what: 'follow a cross-link: its joined fields read in clear' },
  useField: {
    capability: 'readAllFields',
    what: 'filter, search, sort, look up, group or aggregate by a field read in clear',
  },
  publish: { capability: null, what: 'publish records of a dataset (a district: of its own district)' },
  requestGrant: { capability: null, what: 'ask for CONDITIONAL fields of a dataset it does not read' },
  seeGrant: { capability: 'seeAllGrants', what: 'see an access request: its own or on its datasets' },
  decideGrant: { capability: null, what: 'approve or refuse a request: the dataset’s owner' },
  revokeGrant: { capability: 'revokeAnyGrant', what: 'revoke a grant: the dataset’s owner' },
  readAudit: { capability: 'readAudit', what: 'read the audit trail' },
  verifyAudit: { capability: 'verifyAudit', what: 'verify the audit hash chain' },
  seeFreshness: { capability: 'seeAllFreshness', what: 'see a dataset’s freshness: its owner, publishers' },
  seeAlert: { capability: 'seeAllAlerts', what: 'see an alert: those it acts on, its district’s' },
  actOnAlert: {
    capability: 'actOnAllAlerts',
    what: 'acknowledge, dismiss or comment an alert it must act on',
  },
  seeIndicator: {
    capability: null,
    what: 'see an indicator of an area: a district its own, others every district and the city; its fields read in clear',
  },
  manageWebhook: {
    capability: 'actOnAllAlerts',
    what: 'register, remove and read the deliveries of an alert webhook: its own',
  },
} as const satisfies Record<string, { capability: Capability | null; what: string }>;

export type Action = keyof typeof ACTIONS;

/** Why a principal reads every field of a dataset in clear, if it does: it owns it, or holds readAllFields. */
export function readsEveryField(principal: Principal, dataset: Dataset): 'OWNER' | 'ALL_FIELDS' | undefined {
  if (holds(principal, 'readAllFields')) return 'ALL_FIELDS';
  if (principal.code === dataset.owner) return 'OWNER';
  return undefined;
}

// Publishing

/** The owner and the declared publishers publish any record of a dataset. */
const publishesAnyRecord = (principal: Principal, dataset: Dataset) =>
  principal.code === dataset.owner || Boolean(dataset.publishers?.includes(principal.code));

/** Whether a principal may publish records of a dataset: its owner, declared publishers, districts if declared. */
export function canPublish(principal: Principal, dataset: Dataset): boolean {
  return (
    publishesAnyRecord(principal, dataset) ||
    (principal.kind === 'DISTRICT' && Boolean(dataset.districtPublishers))
  );
}

/** Whether a principal may publish this record: a district publisher only its own district's. */
export function canPublishRecord(
  principal: Principal,
  dataset: Dataset,
  row: Record<string, unknown>,
): boolean {
  if (publishesAnyRecord(principal, dataset)) return true;
  if (!canPublish(principal, dataset)) return false;
  return !dataset.districtField || row[dataset.districtField] === principal.code;
}

export function assertPublish(principal: Principal, dataset: Dataset): void {
  if (canPublish(principal, dataset)) return;
  throw forbidden(`无权发布 / ${principal.code} may not publish ${dataset.name} (owner ${dataset.owner})`);
}

// The grant workflow (有条件共享)

/** A principal asks for fields only of a dataset it does not read in full already. */
export function canRequestGrant(principal: Principal, dataset: Dataset): boolean {
  return readsEveryField(principal, dataset) === undefined;
}

/**
 * The grant requests a principal sees: all, or its own and those on the datasets it owns. Revoking any
 * grant needs seeing it, so revokeAnyGrant sees all too.
 */
export function grantsVisibleTo(principal: Principal): 'ALL' | { requester: string; datasets: string[] } {
  if (holds(principal, 'seeAllGrants') || holds(principal, 'revokeAnyGrant')) return 'ALL';
  return {
    requester: principal.code,
    datasets: datasets.filter((d) => d.owner === principal.code).map((d) => d.name),
  };
}

export function canSeeGrant(principal: Principal, grant: { requester: string; dataset: string }): boolean {
  const visible = grantsVisibleTo(principal);
  return (
    visible === 'ALL' || grant.requester === visible.requester || visible.datasets.includes(grant.dataset)
  );
}

/** Approving and refusing are the owner's: it answers for its data. */
export function canDecideGrant(principal: Principal, dataset: Dataset): boolean {
  return principal.code === dataset.owner;
}

export function canRevokeGrant(principal: Principal, dataset: Dataset): boolean {
  return principal.code === dataset.owner || holds(principal, 'revokeAnyGrant');
}

const GRANT_DECISION_ZH = { approve: '批准', refuse: '拒绝', revoke: '撤销' } as const;

export function assertDecideGrant(
  principal: Principal,
  dataset: Dataset,
  decision: 'approve' | 'refuse',
): void {
  if (!canDecideGrant(principal, dataset)) throw notOwner(dataset, decision);
}

export function assertRevokeGrant(principal: Principal, dataset: Dataset): void {
  if (!canRevokeGrant(principal, dataset)) throw notOwner(dataset, 'revoke');
}

function notOwner(dataset: Dataset, decision: keyof typeof GRANT_DECISION_ZH) {
  return forbidden(
    `只有 ${dataset.name} 的责任部门可以${GRANT_DECISION_ZH[decision]}其授权申请 / only the owner of ${dataset.name} may ${decision} its access requests`,
  );
}

// The audit trail

export function canReadAudit(principal: Principal): boolean {
  return holds(principal, 'readAudit');
}

export function assertReadAudit(principal: Principal): void {
  if (!canReadAudit(principal))
    throw forbidden('无权查看审计记录 / You may not read the audit trail: it needs the readAudit capability');
}

export function canVerifyAudit(principal: Principal): boolean {
  return holds(principal, 'verifyAudit');
}

export function assertVerifyAudit(principal: Principal): void {
  if (!canVerifyAudit(principal))
    throw forbidden(
      '无权校验审计哈希链 / You may not verify the audit chain: it needs the verifyAudit capability',
    );
}

// Freshness (数据时效)

/**
 * How punctual a department is with its data is a matter between it and whoever follows publishers up
 * (seeAllFreshness): its owner and publishers see a dataset's freshness, others get nothing.
 */
export function canSeeFreshness(principal: Principal, dataset: Dataset): boolean {
  return (
    holds(principal, 'seeAllFreshness') ||
    principal.code === dataset.owner ||
    (dataset.publishers ?? []).includes(principal.code)
  );
}

// Alerts (联动监管)

/** What an alert says about who answers for it: the principals that must act, and its district. */
export interface AlertScope {
  actors: readonly string[];
  district: string | null;
}

/** An alert concerns those who must act on it and its district; overseers (seeAllAlerts) see all. */
export function canSeeAlert(principal: Principal, alert: AlertScope): boolean {
  return (
    holds(principal, 'seeAllAlerts') ||
    canActOnAlert(principal, alert) ||
    (principal.kind === 'DISTRICT' && alert.district === principal.code)
  );
}

export function canActOnAlert(principal: Principal, alert: AlertScope): boolean {
  return holds(principal, 'actOnAllAlerts') || alert.actors.includes(principal.code);
}

export function assertActOnAlert(principal: Principal, alert: AlertScope): void {
  if (!canActOnAlert(principal, alert))
    throw forbidden('无权处置该预警 / You may not act on this alert: you are not among those who must');
}

// Indicators (考核指标)

/**
 * Whose figures a principal may see, whatever the indicator: a district its own district's only (the city's
 * figure sums other districts' records, which it may not read); departments, ECOLOGY and auditors, which have
 * no row scope, every district's and the city's (`null`). Which indicators it sees also needs their fields
 * in clear (src/supervision/indicators/service.ts).
 */
export function canSeeIndicatorsOf(principal: Principal, district: string | null): boolean {
  return principal.kind !== 'DISTRICT' || district === principal.code;
}

export function assertSeeIndicatorsOf(principal: Principal, district: string | null): void {
  if (!canSeeIndicatorsOf(principal, district)) {
    throw forbidden(
      '区级用户只能查看本区指标，不能查看其他区或全市指标 / A district sees its own district’s indicators only, not another district’s or the city’s',
    );
  }
}

/** A principal registers, removes and follows its own alert webhooks; actOnAllAlerts (ECOLOGY) anyone's. */
export function canManageWebhook(principal: Principal, owner: string): boolean {
  return holds(principal, 'actOnAllAlerts') || principal.code === owner;
}

export function assertManageWebhook(principal: Principal, owner: string): void {
  if (!canManageWebhook(principal, owner))
    throw forbidden('只能管理本单位的预警推送 / You may manage only your own alert webhooks');
}
