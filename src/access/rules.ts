import { type GraphQLSchema, isIntrospectionType, isObjectType } from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, type IRules, rule, shield } from 'graphql-shield';
import { type Dataset, sharingOf } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { Context } from '../context.js';
import { aggregateNames, groupKeys, measureFields } from '../datasets/aggregate.js';
import { forbidden } from '../errors.js';

/**
 * The permission rules, derived from the catalogue: one rule per dataset field and cross-link, none
 * written by hand for a dataset field. Enforced with graphql-shield, deny by default.
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

const REASONS = {
  NO_GRANT: '有条件共享字段，需经批准的授权 / conditional field: it needs an approved, unexpired grant',
  PRIVATE: '不予共享字段 / private field: owner and auditors only',
} as const;

type Decision = (parent: unknown, args: unknown, ctx: Context) => true | Error;

/** Rules whose decision is a synchronous function of parent and context, by rule. */
const synchronousDecisions = new Map<ShieldRule, Decision>();

/** Reading a CONDITIONAL or PRIVATE field: decided per row (a publisher reads its own rows in clear). */
function fieldRule(dataset: Dataset, name: string): ShieldRule {
  return named(`read:${dataset.name}.${name}`, () => {
    const decide: Decision = (parent, _args, ctx) => {
      if (ctx.access.fieldOfRow(dataset, name, parent as Record<string, unknown>) !== 'DENIED') return true;
      const reason = ctx.access.field(dataset, name).reason as keyof typeof REASONS;
      return forbidden(`无权读取 / You may not read ${dataset.names.type}.${name}: ${REASONS[reason]}`, {
        reason,
      });
    };
    const fieldReadRule = rule(`read:${dataset.name}.${name}`, { cache: 'no_cache' })(decide as never);
    synchronousDecisions.set(fieldReadRule, decide);
    return fieldReadRule;
  });
}

/** Following a cross-link: only when the caller reads the joined fields in clear on both sides. */
function linkRule(dataset: Dataset, linkName: string): ShieldRule {
  const link = dataset.links?.[linkName];
  const target = datasetByName(link?.to ?? '');
  if (!link || !target) throw new Error(`unknown link ${dataset.name}.${linkName}`);
  return named(`follow:${dataset.name}.${linkName}`, () => {
    const decide: Decision = (_parent, _args, ctx) =>
      ctx.access.canFollow(dataset, link, target)
        ? true
        : forbidden(
            `无权关联 / You may not follow ${dataset.names.type}.${linkName}: it joins on fields you cannot read in clear`,
          );
    const followRule = rule(`follow:${dataset.name}.${linkName}`, { cache: 'contextual' })(decide as never);
    synchronousDecisions.set(followRule, decide);
    return followRule;
  });
}

function datasetTypeRules(dataset: Dataset): Record<string, ShieldRule> {
  const fields: Record<string, ShieldRule> = { provenance: allow };
  for (const [name, field] of Object.entries(dataset.fields)) {
    // OPEN fields are readable by every principal (masking, where declared, is the resolver's job).
    fields[name] = sharingOf(field) === 'OPEN' ? allow : fieldRule(dataset, name);
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
  return named(`aggregate:${dataset.name}.${name}`, () => {
    const decide: Decision = (_parent, _args, ctx) =>
      ctx.access.readsClear(dataset, name)
        ? true
        : forbidden(
            `无权统计 / You may not group by or aggregate ${dataset.names.type}.${name}: you cannot read it in clear`,
          );
    const clearReadRule = rule(`aggregate:${dataset.name}.${name}`, { cache: 'contextual' })(decide as never);
    synchronousDecisions.set(clearReadRule, decide);
    return clearReadRule;
  });
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
  'CatalogDataset',
  'CatalogField',
  // Who sees a dataset's freshness is decided in its resolver (src/jobs/freshness.ts, seesFreshness).
  'DatasetFreshness',
  'Principal',
  'DatasetAccess',
  'FieldAccess',
  // Which requests a caller sees is the grants service's decision (src/access/grants.ts).
  'AccessGrant',
  'AccessGrantConnection',
  'AccessGrantEdge',
  'PublishResult',
  'PublishRejection',
  // A change's record is a dataset type: its fields carry the dataset rules.
  'Change',
  'ChangePage',
  // Who reads the audit trail is decided in its resolvers (src/graphql/audit.ts, assertAuditReader).
  'AuditRecord',
  'AuditRecordPage',
  'AuditVerification',
  'AuditChainBreak',
];

/** The rule tree: root fields, dataset types and their connections, and the structural types. */
export function ruleTree(schema: GraphQLSchema): IRules {
  const tree: Record<string, Record<string, ShieldRule>> = {};
  const allFields = (typeName: string, fieldRule: ShieldRule) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`rule tree: no object type ${typeName}`);
    tree[typeName] = Object.fromEntries(Object.keys(type.getFields()).map((field) => [field, fieldRule]));
  };
  for (const root of ['Query', 'Mutation']) if (schema.getType(root)) allFields(root, authenticated);
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
 * Applies the rules with graphql-shield: fallback deny, errors of resolvers passed through as they are (a
 * database error is never reported as FORBIDDEN). Shield wraps every field in an async middleware, which
 * halves list throughput; so a field whose rule is `allow` keeps its plain resolver (the wrapper would
 * decide nothing), and the rules of dataset fields and cross-links, synchronous functions of the row and
 * the caller's effective access, are applied synchronously (a cross-link's is the same for every row).
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
 * synchronously. Shield's wrapper always returns a promise, which makes graphql-js complete every row of a
 * list asynchronously: measured, that alone cost more than the 15% budget (bench/permissions.ts).
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
