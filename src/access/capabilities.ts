/**
 * Capabilities: what a principal may do beyond what the catalogue gives every owner, publisher and grantee.
 * They are data on the principal (`principal.capabilities`, set by migrations like the principals
 * themselves); decisions read them, never a principal's code. The table's check constraint accepts only
 * these names, so a misspelt capability is refused instead of silently granting nothing.
 */
export const CAPABILITIES = {
  readAllFields: '读取全部数据集的全部字段（明文） / Reads every field of every dataset in clear',
  seeAllGrants: '查看全部授权申请 / Sees every access request, whoever made it and whatever it concerns',
  revokeAnyGrant: '撤销任一授权 / Revokes any grant, not only those on its own datasets',
  readAudit: '查询审计记录 / Reads the audit trail',
  verifyAudit: '校验审计哈希链 / Verifies the audit hash chain',
  seeAllFreshness: '查看全部数据集的时效 / Sees every dataset’s freshness, not only its own',
  seeAllAlerts: '查看全部预警 / Sees every alert, not only its own and its district’s',
  actOnAllAlerts: '处置任一预警 / Acts on any alert (acknowledge, dismiss, comment)',
} as const;

export type Capability = keyof typeof CAPABILITIES;

export const capabilityNames = Object.keys(CAPABILITIES) as Capability[];

/** Whether a holder of capabilities (a principal) holds this one. */
export function holds(
  who: { readonly capabilities: readonly Capability[] },
  capability: Capability,
): boolean {
  return who.capabilities.includes(capability);
}

/** The capabilities among `names` (a row of the principal table), in declaration order. */
export function capabilitiesOf(names: readonly string[] | null | undefined): Capability[] {
  return capabilityNames.filter((name) => names?.includes(name));
}
