import { type GraphQLSchema, isIntrospectionType, isObjectType } from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, type IRules, rule, shield } from 'graphql-shield';
import { type Dataset, sharingOf } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { Context } from '../context.js';
import { aggregateNames, groupKeys, measureFields } from '../datasets/aggregate.js';
import { forbidden } from '../errors.js';
import type { Action } from './actions.js';
import {
  aggregateFieldRefusal,
  canFollowLink,
  canReadField,
  canUseField,
  followLinkRefusal,
  readFieldRefusal,
} from './fieldActions.js';

/**
 * The permission rules: one per dataset field and cross-link, derived from the catalogue, and one per root
 * field, named below. Enforced with graphql-shield, deny by default.
 */

/** A rule or a logic rule (graphql-shield does not export the union's name). */
type ShieldRule = NonNullable<NonNullable<Parameters<typeof shield>[1]>['fallbackRule']>;

const rules = new Map<string, ShieldRule>();

/** One rule object per name (graphql-shield requires it, and caches contextual rules by name). */
function named(name: string, make: () => ShieldRule): ShieldRule {
  let found = rules.get(name);
  if (!found) {
    found = make();
    rules.set(name, found);
  }
  return found;
}

/** Every caller that reached execution holds a live key: the context refuses the others with 401. */
export const authenticated = named('authenticated', () =>
  rule('authenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) => Boolean(ctx.principal)),
);

type Decision = (parent: unknown, args: unknown, ctx: Context) => true | Error;

/** Rules whose decision is a synchronous function of parent and context, by rule. */
const synchronousDecisions = new Map<ShieldRule, Decision>();

/** A rule applied without shield's wrapper (see applyPermissions). `contextual`: it must not read the parent. */
function synchronousRule(name: string, cache: 'no_cache' | 'contextual', decide: Decision): ShieldRule {
  return named(name, () => {
    const made = rule(name, { cache })(decide as never);
    synchronousDecisions.set(made, decide);
    return made;
  });
}

/** Reading a CONDITIONAL or PRIVATE field: decided per row (a publisher reads its own rows in clear). */
function fieldRule(dataset: Dataset, name: string): ShieldRule {
  return synchronousRule(
    `read:${dataset.name}.${name}`,
    'no_cache',
    (parent, _args, ctx) =>
      canReadField(ctx.access, dataset, name, parent as Record<string, unknown>) ||
      readFieldRefusal(ctx.access, dataset, name),
  );
}

/** Following a cross-link: only when the caller reads the joined fields in clear on both sides. */
function linkRule(dataset: Dataset, linkName: string): ShieldRule {
  const link = dataset.links?.[linkName];
  const target = datasetByName(link?.to ?? '');
  if (!link || !target) throw new Error(`unknown link ${dataset.name}.${linkName}`);
  return synchronousRule(
    `follow:${dataset.name}.${linkName}`,
    'contextual',
    (_parent, _args, ctx) =>
      canFollowLink(ctx.access, dataset, link, target) || followLinkRefusal(dataset, linkName, 'follow'),
  );
}

function datasetTypeRules(dataset: Dataset): Record<string, ShieldRule> {
  const fields: Record<string, ShieldRule> = { provenance: allow };
  for (const [name, field] of Object.entries(dataset.fields)) {
    // OPEN fields are readable by every principal (masking, where declared, is the resolver's job).
    fields[name] = ['PUBLIC', 'OPEN'].includes(sharingOf(field)) ? allow : fieldRule(dataset, name);
  }
  for (const linkName of Object.keys(dataset.links ?? {})) fields[linkName] = linkRule(dataset, linkName);
  return fields;
}

/**
 * Aggregates (src/graphql/aggregate.ts): a group key or a measure of a field answers only to a caller that
 * reads the field in clear for every row, as grouping and aggregating require (the resolver refuses the
 * request before its SQL; this rule also covers a key selected without grouping by it).
 */
function clearRule(dataset: Dataset, name: string): ShieldRule {
  return synchronousRule(
    `aggregate:${dataset.name}.${name}`,
    'contextual',
    (_parent, _args, ctx) => canUseField(ctx.access, dataset, name) || aggregateFieldRefusal(dataset, name),
  );
}

function aggregateTypeRules(dataset: Dataset): Record<string, Record<string, ShieldRule>> {
  const names = aggregateNames(dataset);
  const keys = Object.fromEntries(groupKeys(dataset).map((key) => [key.name, clearRule(dataset, key.field)]));
  const measures = Object.fromEntries(measureFields(dataset).map((name) => [name, clearRule(dataset, name)]));
  return { [names.keys]: keys, ...(Object.keys(measures).length ? { [names.measures]: measures } : {}) };
}

/**
 * Types that carry no dataset values of their own, named here one by one: a new type is denied until it is
 * added here or to the catalogue, and the schema-walking test fails on it.
 */
const STRUCTURAL_TYPES = [
  'PageInfo',
  'RecordProvenance',
  // An analyteResults field's items: reached only through that field, whose own rule decides.
  'AnalyteResult',
  'CatalogDataset',
  'CatalogField',
  // A plan's order and its words: catalogue declarations, the same for every caller.
  'Mandate',
  'PlanBasis',
  // Its freshness is the seeFreshness action, decided in its resolver (src/graphql/catalog.ts).
  'DatasetFreshness',
  'Principal',
  'DatasetAccess',
  'FieldAccess',
  // Which requests a caller sees is the seeGrant action, applied by the grants service.
  'AccessGrant',
  'AccessGrantConnection',
  'AccessGrantEdge',
  'PublishResult',
  'PublishRejection',
  // A change's record is a dataset type: its fields carry the dataset rules.
  'Change',
  'ChangePage',
  // Reached only through auditLog and auditVerify, whose resolvers assert readAudit and verifyAudit.
  'AuditRecord',
  'AuditRecordPage',
  'AuditVerification',
  'AuditChainBreak',
  // Published national standards (src/graphql/standards.ts): for every caller.
  'StandardValue',
  // Alerts and their parts: an alert is shown only to who may see it, its records through the records
  // service with their own rules (src/supervision/alerts.ts, src/graphql/alerts.ts).
  'SupervisionRule',
  'SupervisionRuleParameter',
  'Alert',
  'AlertConnection',
  'AlertEdge',
  'AlertEvidence',
  'AlertEvent',
  'AlertMeasure',
  'AlertCount',
  // Indicators: the service decides whose figures and which indicators (src/supervision/indicators/service.ts).
  'Indicator',
  'IndicatorFigure',
  'IndicatorWithheld',
  'IndicatorReport',
  // Webhooks are listed and changed by the webhook service, which decides manageWebhook per webhook.
  'AlertWebhook',
  'AlertWebhookDelivery',
  'RegisteredAlertWebhook',
];

/** A root field's rule, and the action its resolver or service decides once the target is known. */
export interface RootRule {
  rule: ShieldRule;
  action: Action | null;
}

/** Any caller with a live key reaches the field; `action` is asserted where its target is known. */
const decidedIn = (action: Action | null): RootRule => ({ rule: authenticated, action });

/**
 * The root fields not derived from the catalogue, each with its rule. A root field missing here (or in
 * `datasetRootRules`) has no rule: shield denies it, and the schema walk in test/permissions.test.ts fails.
 */
const ROOT_RULES: Record<'Query' | 'Mutation', Record<string, RootRule>> = {
  Query: {
    // Who the caller is, and its own access: nothing to decide.
    me: decidedIn(null),
    myAccess: decidedIn(null),
    // The catalogue is for all; each dataset's freshness is decided per dataset.
    catalog: decidedIn('seeFreshness'),
    // Records through the dataset rules, in the caller's row scope (src/sync/changes.ts).
    changes: decidedIn('readField'),
    accessGrants: decidedIn('seeGrant'),
    auditLog: decidedIn('readAudit'),
    auditVerify: decidedIn('verifyAudit'),
    // Published national standards, the same for every caller: nothing to decide.
    standards: decidedIn(null),
    standardValue: decidedIn(null),
    // The rules are the plans' words, for all; alerts are decided per alert (src/supervision/alerts.ts).
    supervisionRules: decidedIn(null),
    alerts: decidedIn('seeAlert'),
    alert: decidedIn('seeAlert'),
    alertSummary: decidedIn('seeAlert'),
    // A district its own figures, others every district's and the city's; each indicator's fields in clear.
    indicators: decidedIn('seeIndicator'),
    alertWebhooks: decidedIn('manageWebhook'),
  },
  Mutation: {
    publish: decidedIn('publish'),
    requestAccess: decidedIn('requestGrant'),
    approveAccess: decidedIn('decideGrant'),
    refuseAccess: decidedIn('decideGrant'),
    revokeAccess: decidedIn('revokeGrant'),
    acknowledgeAlert: decidedIn('actOnAlert'),
    dismissAlert: decidedIn('actOnAlert'),
    commentAlert: decidedIn('actOnAlert'),
    registerAlertWebhook: decidedIn('manageWebhook'),
    removeAlertWebhook: decidedIn('manageWebhook'),
    rotateAlertWebhookSecret: decidedIn('manageWebhook'),
  },
};

/** A dataset's list, lookup and aggregate: their fields carry the field rules, their arguments useField. */
function datasetRootRules(dataset: Dataset): Record<string, RootRule> {
  return {
    [dataset.names.many]: decidedIn('useField'),
    [dataset.names.one]: decidedIn('useField'),
    [aggregateNames(dataset).query]: decidedIn('useField'),
  };
}

/** Every root field's rule, by root type: the named ones and the catalogue's. */
export function rootRules(): Record<'Query' | 'Mutation', Record<string, RootRule>> {
  const query = { ...ROOT_RULES.Query };
  for (const dataset of datasets) Object.assign(query, datasetRootRules(dataset));
  return { Query: query, Mutation: ROOT_RULES.Mutation };
}

/** The rule tree: root fields, dataset types and their connections, and the structural types. */
export function ruleTree(schema: GraphQLSchema): IRules {
  const tree: Record<string, Record<string, ShieldRule>> = {};
  const allFields = (typeName: string, fieldRule: ShieldRule) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`rule tree: no object type ${typeName}`);
    tree[typeName] = Object.fromEntries(Object.keys(type.getFields()).map((field) => [field, fieldRule]));
  };
  for (const [root, rules] of Object.entries(rootRules())) {
    const type = schema.getType(root);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    // A rule naming no field is a rename or a removal left half done: say so at start, not never.
    const stale = Object.keys(rules).filter((field) => !fields[field]);
    if (stale.length) throw new Error(`rule tree: no field ${stale.map((f) => `${root}.${f}`).join(', ')}`);
    tree[root] = Object.fromEntries(Object.entries(rules).map(([field, { rule }]) => [field, rule]));
  }
  for (const dataset of datasets) {
    tree[dataset.names.type] = datasetTypeRules(dataset);
    allFields(`${dataset.names.type}Connection`, allow);
    allFields(`${dataset.names.type}Edge`, allow);
    // An aggregate and its groups are structural; their keys and measures carry the fields' rules.
    allFields(aggregateNames(dataset).result, allow);
    allFields(aggregateNames(dataset).group, allow);
    Object.assign(tree, aggregateTypeRules(dataset));
  }
  for (const typeName of STRUCTURAL_TYPES) allFields(typeName, allow);
  return tree as IRules;
}

/** Every object field's rule, or undefined where the tree has none (the fallback, deny, applies). */
export function ruleOf(tree: IRules, typeName: string, field: string): ShieldRule | undefined {
  return (tree as Record<string, Record<string, ShieldRule>>)[typeName]?.[field];
}

/**
 * Applies the rules with graphql-shield: fallback deny, resolvers' errors passed through as they are (a
 * database error is never FORBIDDEN). Fields whose rule is `allow` keep their plain resolver and the
 * synchronous rules are applied synchronously: shield's async wrapper is costly per field (README,
 * Benchmarks).
 */
export function applyPermissions(schema: GraphQLSchema): GraphQLSchema {
  const tree = ruleTree(schema);
  const generator = shield(tree, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: forbidden('无权访问 / Not allowed'),
  });
  const middleware = generator.generate(schema) as Record<string, IMiddlewareFieldMap>;
  for (const [typeName, fields] of Object.entries(middleware)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const map = fields as Record<string, unknown>;
    for (const field of Object.keys(map)) {
      const fieldRule = ruleOf(tree, typeName, field);
      if (fieldRule === allow) {
        delete map[field];
        continue;
      }
      const decide = fieldRule && synchronousDecisions.get(fieldRule);
      if (decide) map[field] = synchronousMiddleware(decide);
    }
  }
  return applyMiddleware(schema, middleware as never);
}

/**
 * The same decision as shield's wrapper (true: resolve; an error: that error in the field's place), made
 * synchronously, so that graphql-js completes a list's rows without a promise each.
 */
function synchronousMiddleware(decide: Decision) {
  return (
    resolve: (parent: unknown, args: unknown, ctx: Context, info: unknown) => unknown,
    parent: unknown,
    args: unknown,
    ctx: Context,
    info: unknown,
  ) => {
    const decision = decide(parent, args, ctx);
    return decision === true ? resolve(parent, args, ctx, info) : decision;
  };
}
