import { isDeepStrictEqual } from 'node:util';
import { Lexer, Source, TokenKind } from 'graphql';
import { beforeAll } from 'vitest';
import type { Capability } from '../../src/access/capabilities.js';
import { type Dataset, fieldOf } from '../../src/catalog/define.js';
import { datasetByName, datasets } from '../../src/catalog/registry.js';
import type { FieldDef, LinkDef, MaskRule, SharingClass } from '../../src/catalog/types.js';
import { type GraphqlResponse, type TestHub, withTestHub } from './hub.js';
import { creditCodeFor, subSelection, uniqueId } from './records.js';
import { type GrantSpec, type Scenario, withSeed } from './seed.js';

/**
 * Leak hunting: a canary fixture (every text value names its dataset, field and row), the principals of
 * every kind, and an access oracle written from the rules in the brief, NOT from src/access: it must stay
 * independent of EffectiveAccess so that a bug there shows up as a disagreement.
 *
 * Oracle:
 * - AUDITOR and the owning department read every field in clear;
 * - otherwise OPEN fields are readable, CONDITIONAL fields only under an active grant (approved, unexpired,
 *   not revoked), PRIVATE fields never; a readable personal field with a mask rule is masked;
 * - a publisher reads the rows it published in clear;
 * - a district sees only rows whose district field equals its code (lists, counts, lookups, links);
 * - filtering, sorting, searching, looking up and following links need field-level clear access.
 */

export const HOME = '110105';
export const AWAY = '110108';
export const DEPARTMENTS = ['AGRICULTURE', 'FORESTRY', 'PLANNING', 'HOUSING', 'ECONOMY', 'WATER', 'ECOLOGY'];
/** Rows per dataset; entity i of every dataset shares join values and overlapping geometry. */
export const ENTITIES = 4;

export type Mode = 'CLEAR' | 'MASKED' | 'DENIED';
export type Kind = 'DEPARTMENT' | 'DISTRICT' | 'AUDITOR';

export interface Caller {
  label: string;
  code: string;
  kind: Kind;
  key: string;
  /** Capabilities this world gave a principal of its own (the real principals' are the oracles' rules). */
  capabilities: readonly Capability[];
}

export interface Row {
  dataset: Dataset;
  /** Entity index: rows of the same index are joined by the cross-links. */
  index: number;
  /** Provenance source record id: identifies the row in responses (provenance is readable by all). */
  src: string;
  publisher: string;
  values: Record<string, unknown>;
}

/** A value that may only show where one of its owners (dataset field of a row) is readable in clear. */
export interface Token {
  text: string;
  match: 'substring' | 'exact' | 'number';
  owners: { row: Row; field: string }[];
}

export interface Fixture {
  runId: string;
  rows: Row[];
  tokens: Token[];
  bySrc: Map<string, Row>;
  rowsOf(dataset: Dataset): Row[];
}

// -------------------------------------------------------------------------------------------------------
// the fixture
// -------------------------------------------------------------------------------------------------------

const X = [HOME, AWAY, AWAY, HOME];
const Y = [HOME, HOME, AWAY, AWAY];
/**
 * District of entity i per dataset. The two ends of every cross-link use different patterns, so that the
 * four entities cover every (source district, target district) pair.
 */
const PATTERNS: Record<string, string[]> = {
  pesticideUse: X,
  fertiliserUse: Y,
  soilMonitoring: X,
  farmlandClass: Y,
  landUseChange: Y,
  landRightChange: X,
  constructionPermit: X,
  closedEnterprise: X,
  irrigationWell: X,
  keySupervisedUnit: Y,
  contaminatedSite: X,
  siteScreening: Y,
  priorityPlot: X,
};

const round = (value: number, digits = 6) => Number(value.toFixed(digits));
const isoDay = (day: number) => new Date(Date.UTC(2001, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);

export const sharingOf = (field: FieldDef): SharingClass =>
  field.sharing ?? (field.personal ? 'PRIVATE' : 'OPEN');

/** Dataset fields joined by equality links, grouped: every field of a group holds the same value. */
function joinGroups(): Map<string, string[]> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  for (const dataset of datasets) {
    for (const link of Object.values(dataset.links ?? {})) {
      if (link.kind === 'overlap') continue;
      for (const [local, remote] of Object.entries(link.on)) {
        const a = find(`${dataset.name}.${local}`);
        const b = find(`${link.to}.${remote}`);
        if (a !== b) parent.set(a, b);
      }
    }
  }
  const groups = new Map<string, string[]>();
  for (const member of parent.keys()) {
    const root = find(member);
    const list = groups.get(root) ?? [root];
    if (!list.includes(member)) list.push(member);
    groups.set(root, list);
  }
  const byMember = new Map<string, string[]>();
  for (const list of groups.values()) for (const member of list) byMember.set(member, list.sort());
  return byMember;
}

/** A fixture of some datasets, with the values a situation needs (the supervision leak tests). */
export interface FixtureOptions {
  /** The datasets planted (default: all). */
  datasets?: readonly Dataset[];
  /** The region's south-west corner (default: a random one in a region far from other tests'). */
  origin?: { lon: number; lat: number };
  /** Values of enum or boolean fields (they carry no canary) replacing a row's; `null`: the row is not planted. */
  adjust?: (row: Row) => Record<string, unknown> | null | undefined;
}

/** Builds the canary rows (not yet inserted). Geometry sits in a random region far from other tests'. */
export function buildFixture(runId = uniqueId(), options: FixtureOptions = {}): Fixture {
  const groups = joinGroups();
  const tokens = new Map<string, Token>();
  const rows: Row[] = [];
  const numbers = new Set<number>();
  const lon0 = options.origin?.lon ?? round(95 + Math.random() * 10, 4);
  const lat0 = options.origin?.lat ?? round(25 + Math.random() * 10, 4);
  let ints = 0;
  let nums = 0;
  let days = 0;
  let codes = 0;

  const own = (match: Token['match'], text: string, row: Row, field: string) => {
    const id = `${match}:${text}`;
    const token = tokens.get(id) ?? { text, match, owners: [] };
    if (!token.owners.some((o) => o.row === row && o.field === field)) token.owners.push({ row, field });
    tokens.set(id, token);
  };
  const uniqueNumber = (make: () => number, digits = 6) => {
    let value = make();
    while (numbers.has(value)) value = round(value + 10 ** -digits, digits);
    numbers.add(value);
    return value;
  };

  (options.datasets ?? datasets).forEach((dataset, k) => {
    const pattern = PATTERNS[dataset.name] ?? X;
    for (let i = 0; i < ENTITIES; i++) {
      const tag = `${runId}R${i}`;
      const district = pattern[i];
      const extra =
        i % 2 === 1
          ? (dataset.publishers?.[0] ?? (dataset.districtPublishers ? district : undefined))
          : undefined;
      const row: Row = {
        dataset,
        index: i,
        src: `SRC~${runId}~${dataset.name}~${i}~`,
        publisher: extra ?? dataset.owner,
        values: {},
      };
      own('substring', row.src, row, '__row');
      const lon = lon0 + i * 0.01 + k * 0.0001;
      const lat = lat0 + i * 0.01 + k * 0.0001;
      Object.entries(dataset.fields).forEach(([name, field], f) => {
        const group = groups.get(`${dataset.name}.${name}`);
        let value: unknown;
        switch (field.type) {
          case 'code':
          case 'text': {
            if (field.pattern) {
              // A pattern-constrained code (GB/T 4754 industry code) cannot carry a marker: a unique code.
              value = `C${1000 + codes++}`;
              if (!field.pattern.test(value as string)) {
                throw new Error(`fixture: no canary value for ${dataset.name}.${name}; extend the fixture`);
              }
              own('exact', value as string, row, name);
              break;
            }
            const where = group ? group.map((m) => m.split('.')[0]).join('+') : dataset.name;
            const long = `CANARY~${where}~${group ? group[0].split('.')[1] : name}~${tag}~`;
            // A field shorter than the marker gets a compact one, still unique per dataset, field and row.
            const marker =
              field.maxLength !== undefined && long.length > field.maxLength
                ? `CY~${datasets.indexOf(dataset)}.${f}~${tag}~`
                : long;
            value = field.personal && field.mask === 'phone' ? `${marker}13912345678` : marker;
            own('substring', marker, row, name);
            break;
          }
          case 'textList': {
            const marker = `CANARY~${dataset.name}~${name}~${tag}~`;
            value = [`${marker}A`, `${marker}B`];
            own('substring', marker, row, name);
            break;
          }
          case 'analyteResults': {
            // The method carries the marker, the value a number of its own: either may leak.
            const marker = `CANARY~${dataset.name}~${name}~${tag}~`;
            const measured = uniqueNumber(
              () => round(1000 + (nums++ % 1000) + 0.1 + Math.random() * 0.8, field.scale),
              field.scale,
            );
            value = [
              {
                analyte: field.analytes?.[0] ?? 'Cd',
                value: measured,
                unit: field.units?.[0] ?? 'mg/kg',
                method: marker,
                detectionLimit: null,
                belowDetection: false,
              },
            ];
            own('substring', marker, row, name);
            own('number', String(measured), row, name);
            break;
          }
          case 'integer': {
            value = (field.min ?? 5000) + ints++;
            if (field.max !== undefined && (value as number) > field.max)
              throw new Error('fixture: integers');
            own('number', String(value), row, name);
            break;
          }
          case 'number': {
            const base = field.max !== undefined ? (field.min ?? 0) : 1000;
            const span = field.max !== undefined ? Math.max(field.max - base - 1, 1) : 1000;
            value = uniqueNumber(
              () => round(base + (nums++ % span) + 0.1 + Math.random() * 0.8, field.scale),
              field.scale,
            );
            own('number', String(value), row, name);
            break;
          }
          case 'date':
            value = isoDay(days++);
            own('exact', value as string, row, name);
            break;
          case 'boolean':
            value = i % 2 === 0;
            break;
          case 'enum': {
            const keys = Object.keys(field.enum.values);
            value = keys[(i + f) % keys.length];
            break;
          }
          case 'creditCode':
            value = creditCodeFor(`${runId}|${group ? group[0] : `${dataset.name}.${name}`}|${i}`);
            own('exact', value as string, row, name);
            break;
          case 'district':
            value = district;
            break;
          case 'point': {
            const coordinates = [round(lon + 0.00003 + f * 0.00001), round(lat + 0.00003 + f * 0.00001)];
            value = { type: 'Point', coordinates };
            for (const c of coordinates) own('number', String(c), row, name);
            break;
          }
          case 'polygon': {
            const [a, b, c, d] = [round(lon), round(lat), round(lon + 0.002), round(lat + 0.002)];
            value = {
              type: 'Polygon',
              coordinates: [
                [
                  [a, b],
                  [c, b],
                  [c, d],
                  [a, d],
                  [a, b],
                ],
              ],
            };
            for (const n of [a, b, c, d]) own('number', String(n), row, name);
            break;
          }
        }
        row.values[name] = value;
      });
      const adjusted = options.adjust ? options.adjust(row) : undefined;
      if (adjusted === null) continue;
      for (const [name, value] of Object.entries(adjusted ?? {})) {
        if (!['enum', 'boolean'].includes(dataset.fields[name]?.type)) {
          throw new Error(
            `fixture: ${dataset.name}.${name} carries a canary; adjust enums and booleans only`,
          );
        }
        row.values[name] = value;
      }
      rows.push(row);
    }
  });
  const planted = new Set(rows);
  // Tokens of rows not planted go with them.
  const kept = [...tokens.values()]
    .map((token) => ({ ...token, owners: token.owners.filter((o) => planted.has(o.row)) }))
    .filter((token) => token.owners.length > 0);
  const bySrc = new Map(rows.map((row) => [row.src, row]));
  return {
    runId,
    rows,
    tokens: kept,
    bySrc,
    rowsOf: (dataset) => rows.filter((row) => row.dataset === dataset),
  };
}

/**
 * The fixture's rows, stored as they stand: they cover every pair of districts across each cross-link,
 * so some are a district's records about an entity of another district (one that moved after the record
 * was published), a state that no one publish makes.
 */
const fixtureRows: (fx: Fixture) => Scenario = (fx) => (chain) => {
  for (const dataset of datasets) {
    chain.stored(
      dataset.name,
      fx.rowsOf(dataset).map((row) => ({
        ...row.values,
        publisher: row.publisher,
        sourceRecordId: row.src,
        syncBatch: `leaks-${fx.runId}`,
      })),
    );
  }
  return chain;
};

// -------------------------------------------------------------------------------------------------------
// principals and grants
// -------------------------------------------------------------------------------------------------------

/** CONDITIONAL fields of a dataset, in declaration order. */
export const conditionalFields = (dataset: Dataset) =>
  Object.entries(dataset.fields)
    .filter(([, field]) => sharingOf(field) === 'CONDITIONAL')
    .map(([name]) => name);

/** What the grant holders ask for: every other CONDITIONAL field (so some stay ungranted). */
export const grantedFields = (dataset: Dataset) => conditionalFields(dataset).filter((_, i) => i % 2 === 0);

export interface World {
  fx: Fixture;
  callers: Caller[];
  caller(label: string): Caller;
}

/** The callers by label: the 7 departments, district 110105, the auditor and this run's grant holders. */
export const LABELS = [
  ...DEPARTMENTS,
  `DISTRICT_${HOME}`,
  'AUDITOR',
  'GRANT_HOLDER',
  'EXPIRED_GRANT',
  'REVOKED_GRANT',
];

/** Three departments of this run: dedicated, so that its grants change no other file's view of the real ones. */
const holdersOf = (fx: Fixture) => ({
  GRANT_HOLDER: `LKG_${fx.runId.slice(0, 8)}`,
  EXPIRED_GRANT: `LKE_${fx.runId.slice(0, 8)}`,
  REVOKED_GRANT: `LKR_${fx.runId.slice(0, 8)}`,
});

/**
 * The canary world: the fixture's rows, keys for every caller, and the grants. The grant holder holds
 * every other CONDITIONAL field of each dataset, and an expired and a revoked grant on fields it was not
 * granted otherwise; the expired and the revoked holder hold the same fields as the holder, expired or revoked.
 */
export const leakWorld =
  (fx: Fixture): Scenario =>
  (chain) => {
    const holders = holdersOf(fx);
    chain.scenario(fixtureRows(fx)).keys(...DEPARTMENTS, HOME, 'AUDITOR');
    for (const code of Object.values(holders)) chain.testPrincipal(code).key();
    for (const dataset of datasets.filter((d) => grantedFields(d).length > 0)) {
      const fields = grantedFields(dataset);
      chain
        .principal(holders.GRANT_HOLDER)
        .grant({ dataset: dataset.name, fields })
        .principal(holders.EXPIRED_GRANT)
        .grant({ dataset: dataset.name, fields, state: 'EXPIRED' })
        .principal(holders.REVOKED_GRANT)
        .grant({ dataset: dataset.name, fields, state: 'REVOKED' });
    }
    const others = datasets.flatMap((d) =>
      conditionalFields(d)
        .filter((_, i) => i % 2 === 1)
        .map((field) => [d.name, field] as const),
    );
    const [expired, revoked] = [others[0], others.find(([d]) => d !== others[0][0]) ?? others[1]];
    return chain
      .principal(holders.GRANT_HOLDER)
      .grant({ dataset: expired[0], fields: [expired[1]], state: 'EXPIRED' })
      .grant({ dataset: revoked[0], fields: [revoked[1]], state: 'REVOKED' });
  };

/**
 * A caller a test file adds to the world: a real principal (`code`: a key only), or a principal of its own
 * (`prefix`: its code is the prefix and the run id), created with the capabilities and grants given.
 */
export interface ExtraCaller {
  label: string;
  kind: Kind;
  code?: string;
  prefix?: string;
  capabilities?: readonly Capability[];
  grants?: readonly GrantSpec[];
}

const extraCode = (fx: Fixture, extra: ExtraCaller) =>
  extra.code ?? `${extra.prefix}_${fx.runId.slice(0, 8)}`;

/** The extra callers' keys, principals and grants. */
const extraCallers =
  (fx: Fixture, extras: readonly ExtraCaller[]): Scenario =>
  (chain) => {
    for (const extra of extras) {
      const code = extraCode(fx, extra);
      if (extra.code && (extra.grants?.length || extra.capabilities?.length)) {
        // A real principal's grants would change other files' view of it.
        throw new Error(
          `leak world: ${code} is a real principal; grants and capabilities go to one of the file's own`,
        );
      }
      if (extra.code) chain.keys(code);
      else chain.testPrincipal(code, extra.kind, extra.capabilities).key();
      for (const grant of extra.grants ?? []) chain.grant(grant);
    }
    return chain;
  };

function worldOf(fx: Fixture, keys: Record<string, string>, extras: readonly ExtraCaller[]): World {
  const holders: Record<string, string> = holdersOf(fx);
  const callers: Caller[] = [
    ...LABELS.map((label): Caller => {
      const code = holders[label] ?? (label === `DISTRICT_${HOME}` ? HOME : label);
      const kind: Kind = code === HOME ? 'DISTRICT' : code === 'AUDITOR' ? 'AUDITOR' : 'DEPARTMENT';
      return { label, code, kind, key: keys[code], capabilities: [] };
    }),
    ...extras.map((extra): Caller => {
      const code = extraCode(fx, extra);
      return {
        label: extra.label,
        code,
        kind: extra.kind,
        key: keys[code],
        capabilities: extra.capabilities ?? [],
      };
    }),
  ];
  const byLabel = new Map(callers.map((c) => [c.label, c]));
  return {
    fx,
    callers,
    caller(label) {
      const found = byLabel.get(label);
      if (!found) throw new Error(`no caller ${label}`);
      return found;
    },
  };
}

/**
 * A leak test file's hub and canary world: seeded before the file's tests (the `world` object is filled
 * then), this run's principals removed after them. A file may plant a fixture of its own (`fixture`) and
 * add callers (`extras`).
 */
export function withLeakWorld(
  options?: Parameters<typeof withTestHub>[0],
  world: { fixture?: FixtureOptions; extras?: readonly ExtraCaller[]; first?: Scenario } = {},
): { hub: TestHub; world: World } {
  const hub = withTestHub(options);
  const fx = buildFixture(undefined, world.fixture);
  const extras = world.extras ?? [];
  const filled = {} as World;
  const seeded = withSeed(hub, (chain) =>
    chain
      .scenario(world.first ?? ((c) => c))
      .scenario(leakWorld(fx))
      .scenario(extraCallers(fx, extras)),
  );
  beforeAll(() => {
    Object.assign(filled, worldOf(fx, seeded.keys, extras));
  });
  return { hub, world: filled };
}

/** The active grants of principals, read from the table: `dataset.field` per principal code. */
export async function activeGrants(hub: TestHub, codes: string[]): Promise<Map<string, Set<string>>> {
  const sql = hub.database.sql;
  const rows = await sql<{ requester: string; dataset: string; fields: string[] }[]>`
    select requester, dataset, fields from access_grant
    where requester in ${sql(codes)} and status = 'APPROVED' and expires_at > now()`;
  const grants = new Map<string, Set<string>>(codes.map((c) => [c, new Set()]));
  for (const row of rows) for (const f of row.fields) grants.get(row.requester)?.add(`${row.dataset}.${f}`);
  return grants;
}

const signature = (grants: Map<string, Set<string>>) =>
  JSON.stringify([...grants].map(([code, set]) => [code, [...set].sort()]));

/**
 * Runs requests as callers, with the callers' active grants read before and after: other test files may
 * grant real departments at the same time; if the grants moved while the request ran, it runs again.
 */
export async function asCallers<T>(
  hub: TestHub,
  callers: Caller[],
  run: (views: Map<string, View>) => Promise<T>,
): Promise<{ result: T; views: Map<string, View> }> {
  const codes = [...new Set(callers.map((c) => c.code))];
  for (let attempt = 0; ; attempt++) {
    const before = await activeGrants(hub, codes);
    const views = new Map(
      callers.map((c) => [c.label, { caller: c, grants: before.get(c.code) ?? new Set() }]),
    );
    const result = await run(views);
    const after = await activeGrants(hub, codes);
    if (signature(before) === signature(after) || attempt >= 4) return { result, views };
  }
}

// -------------------------------------------------------------------------------------------------------
// the oracle
// -------------------------------------------------------------------------------------------------------

export interface View {
  caller: Caller;
  /** Active grants as `dataset.field`. */
  grants: ReadonlySet<string>;
}

/** Field-level mode: what filtering, sorting, searching, lookups and links need (CLEAR). */
export function fieldMode(v: View, dataset: Dataset, name: string): Mode {
  if (name === '__row') return 'CLEAR';
  if (v.caller.kind === 'AUDITOR' || v.caller.code === dataset.owner) return 'CLEAR';
  const field = dataset.fields[name];
  const shown: Mode = field.personal && field.mask ? 'MASKED' : 'CLEAR';
  const sharing = sharingOf(field);
  if (sharing === 'PUBLIC' || sharing === 'OPEN') return shown;
  // A plan's mandate names the caller's code, or DISTRICT for a district, beside its fields.
  const mandated = (dataset.mandates ?? []).some(
    (m) =>
      m.fields.includes(name) &&
      (m.to.includes(v.caller.code) || (v.caller.kind === 'DISTRICT' && m.to.includes('DISTRICT'))),
  );
  if (mandated) return shown;
  switch (sharing) {
    case 'CONDITIONAL':
      return v.grants.has(`${dataset.name}.${name}`) ? shown : 'DENIED';
    case 'PRIVATE':
      return 'DENIED';
  }
}

/** Mode of one row's field: a publisher reads its own rows in clear. */
export function rowMode(v: View, row: Row, name: string): Mode {
  const mode = fieldMode(v, row.dataset, name);
  return mode !== 'CLEAR' && row.publisher === v.caller.code ? 'CLEAR' : mode;
}

export function districtOf(row: Row): string | undefined {
  const field = row.dataset.districtField;
  return field ? (row.values[field] as string) : undefined;
}

export function visible(v: View, row: Row): boolean {
  return v.caller.kind !== 'DISTRICT' || !row.dataset.districtField || districtOf(row) === v.caller.code;
}

export function canFollow(v: View, dataset: Dataset, link: LinkDef): boolean {
  const target = datasetByName(link.to) as Dataset;
  if (link.kind === 'overlap') {
    return fieldMode(v, dataset, link.from) === 'CLEAR' && fieldMode(v, target, link.toField) === 'CLEAR';
  }
  return Object.entries(link.on).every(
    ([local, remote]) => fieldMode(v, dataset, local) === 'CLEAR' && fieldMode(v, target, remote) === 'CLEAR',
  );
}

/** Fixture rows a link joins a row to, whoever asks (geometry of entity i overlaps only entity i's). */
export function linkTargets(fx: Fixture, row: Row, link: LinkDef): Row[] {
  const target = datasetByName(link.to) as Dataset;
  return fx.rowsOf(target).filter((other) => {
    if (link.kind === 'overlap') {
      return other.index === row.index && row.values[link.from] != null && other.values[link.toField] != null;
    }
    return Object.entries(link.on).every(
      ([local, remote]) =>
        row.values[local] != null && isDeepStrictEqual(row.values[local], other.values[remote]),
    );
  });
}

/** Whether `shown` is a masked form of `clear` under the rule (and not the clear value). */
export function looksMasked(rule: MaskRule, clear: unknown, shown: unknown): boolean {
  if (typeof clear !== 'string' || typeof shown !== 'string' || shown === clear) return false;
  const c = [...clear];
  const s = [...shown];
  const keep = { name: [1, 0], phone: [3, 4], idNumber: [6, 4] }[rule];
  const [head, tail] = keep;
  const middle = s.slice(head, s.length - tail);
  return (
    s.length > head + tail &&
    s.slice(0, head).join('') === c.slice(0, head).join('') &&
    (tail === 0 || s.slice(-tail).join('') === c.slice(-tail).join('')) &&
    middle.length > 0 &&
    middle.every((ch) => ch === '*')
  );
}

export function describeRow(row: Row): string {
  return `${row.dataset.name}#${row.index} (district ${districtOf(row)}, publisher ${row.publisher})`;
}

function why(v: View, row: Row, name: string): string {
  if (name === '__row') return visible(v, row) ? 'visible' : `row of district ${districtOf(row)}`;
  const field = row.dataset.fields[name];
  const mode = rowMode(v, row, name);
  const grant = v.grants.has(`${row.dataset.name}.${name}`) ? 'active grant' : 'no active grant';
  return `${mode}: ${sharingOf(field)}${field.personal ? ` personal${field.mask ? `/${field.mask}` : ''}` : ''}, ${grant}${visible(v, row) ? '' : `, row of district ${districtOf(row)} invisible`}`;
}

// -------------------------------------------------------------------------------------------------------
// the canary scan
// -------------------------------------------------------------------------------------------------------

interface Leaf {
  path: string;
  value: string | number;
}

export function collectLeaves(value: unknown, path: string, out: Leaf[]): void {
  if (typeof value === 'string' || typeof value === 'number') {
    out.push({ path, value });
    if (typeof value === 'string' && /(^|\.)(cursor|startCursor|endCursor)$/.test(path)) {
      // Cursors are sealed (src/datasets/cursorSeal.ts), so their bytes hold nothing readable; they are looked
      // inside all the same, so that a cursor in clear again would be scanned as it was before sealing.
      try {
        const decoded = Buffer.from(value, 'base64url').toString('utf8');
        out.push({ path: `${path}<decoded>`, value: decoded });
        const parsed: unknown = JSON.parse(decoded);
        // A keyset cursor is [sort value, record id] (src/datasets/cursor.ts): the id is the store's own
        // row number, no field's value, and would match a numeric canary by chance (an id 2011 is no
        // listedYear 2011): only the sort value is scanned as a value.
        const keyset = Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[1]);
        collectLeaves(keyset ? parsed[0] : parsed, `${path}<decoded>${keyset ? '.0' : ''}`, out);
      } catch {
        // not JSON: the decoded text was added above
      }
    }
    return;
  }
  // An error's locations are a line and a column of the query's own text, no record's value (a column 2001
  // is no year 2001 of a hidden row): not scanned.
  if (/^errors\.\d+\.locations$/.test(path)) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collectLeaves(item, `${path}.${i}`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, item] of Object.entries(value)) collectLeaves(item, path ? `${path}.${k}` : k, out);
  }
}

export function tokenHit(token: Token, leaves: Leaf[]): Leaf | undefined {
  switch (token.match) {
    case 'substring':
      return leaves.find((l) => typeof l.value === 'string' && l.value.includes(token.text));
    case 'exact':
      return leaves.find(
        (l) =>
          typeof l.value === 'string' &&
          (l.value === token.text || (token.text.length >= 10 && l.value.includes(token.text))),
      );
    case 'number': {
      const n = Number(token.text);
      return leaves.find(
        (l) =>
          l.value === n ||
          (typeof l.value === 'string' && token.text.length >= 7 && l.value.includes(token.text)),
      );
    }
  }
}

/**
 * Every canary token in the whole response (data, errors, extensions, decoded cursors) that the caller may
 * not see in clear: one message per leaked token.
 */
export function scanLeaks(body: unknown, fx: Fixture, v: View): string[] {
  const leaves: Leaf[] = [];
  collectLeaves(body, '', leaves);
  const found: string[] = [];
  for (const token of fx.tokens) {
    const hit = tokenHit(token, leaves);
    if (!hit) continue;
    const allowed = token.owners.some((o) => visible(v, o.row) && rowMode(v, o.row, o.field) === 'CLEAR');
    if (!allowed) {
      const owners = token.owners.map((o) => `${describeRow(o.row)}.${o.field} [${why(v, o.row, o.field)}]`);
      found.push(
        `LEAK ${v.caller.label}: value ${JSON.stringify(token.text)} of ${owners.join(' / ')} appears at ${hit.path}`,
      );
    }
  }
  return found;
}

// -------------------------------------------------------------------------------------------------------
// selections, rendering and the structural check
// -------------------------------------------------------------------------------------------------------

/** A field selection: a scalar, or a link with its children. `key` is the response key (alias). */
export interface Sel {
  key: string;
  name: string;
  children?: Sel[];
}

export const ROW_ID = '__src: provenance { sourceRecordId }';

export const scalarSels = (dataset: Dataset): Sel[] =>
  Object.keys(dataset.fields).map((n) => ({ key: n, name: n }));

export function linkTarget(dataset: Dataset, linkName: string): Dataset {
  return datasetByName(dataset.links?.[linkName].to ?? '') as Dataset;
}

/** Every field and every link with every field of its target. */
export const fullSels = (dataset: Dataset): Sel[] => [
  ...scalarSels(dataset),
  ...Object.keys(dataset.links ?? {}).map((name) => ({
    key: name,
    name,
    children: scalarSels(linkTarget(dataset, name)),
  })),
];

export function renderSels(sels: Sel[], dataset: Dataset): string {
  const parts = sels.map((s) => {
    const head = s.key === s.name ? s.name : `${s.key}: ${s.name}`;
    return s.children
      ? `${head} { ${renderSels(s.children, linkTarget(dataset, s.name))} }`
      : `${head}${subSelection(fieldOf(dataset, s.name))}`;
  });
  return [...parts, ROW_ID].join(' ');
}

export const gqlLiteral = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);

/** A lookup's key arguments for a row: an enum value bare, others as JSON literals. */
export const keyArgs = (row: Row) =>
  row.dataset.key
    .map((k) =>
      row.dataset.fields[k].type === 'enum' ? `${k}: ${row.values[k]}` : `${k}: ${gqlLiteral(row.values[k])}`,
    )
    .join(', ');

/** A filter literal that keeps a list to this fixture's rows: a search for the run id. */
export function isolating(fx: Fixture, dataset: Dataset): string {
  const open = Object.values(dataset.fields).some(
    (f) => f.search && f.type === 'text' && ['PUBLIC', 'OPEN'].includes(sharingOf(f)) && !f.personal,
  );
  if (!open)
    throw new Error(`${dataset.name}: no PUBLIC or OPEN searchable field to isolate the fixture with`);
  return `{ search: ${JSON.stringify(fx.runId)} }`;
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

const preview = (value: unknown) => {
  const text = JSON.stringify(value);
  return text && text.length > 120 ? `${text.slice(0, 120)}…` : text;
};

/** Tallies over many responses. */
export class Tally {
  probes = 0;
  leaks: string[] = [];
  falseDenials: string[] = [];
  mismatches: string[] = [];

  summary(): string {
    return `${this.probes} probes, ${this.leaks.length} leaks, ${this.falseDenials.length} false denials, ${this.mismatches.length} other mismatches`;
  }

  problems(limit = 60): string[] {
    const all = [...this.leaks, ...this.falseDenials, ...this.mismatches];
    return all.length > limit ? [...all.slice(0, limit), `… and ${all.length - limit} more`] : all;
  }
}

/** Checks one response against the oracle; `finish` scans it for canaries and flags unexpected errors. */
export class ResponseCheck {
  private readonly errors: GqlError[];
  private readonly used = new Set<GqlError>();

  constructor(
    readonly tally: Tally,
    readonly fx: Fixture,
    readonly v: View,
    readonly body: GraphqlResponse['body'],
    readonly what: string,
  ) {
    this.errors = (body.errors ?? []) as GqlError[];
  }

  private at(path: (string | number)[]) {
    return `${this.v.caller.label} ${this.what} @ ${path.join('.')}`;
  }

  /** Whether a FORBIDDEN error sits at exactly this path (and marks it as expected). */
  forbiddenAt(path: (string | number)[]): boolean {
    const key = path.join('.');
    const error = this.errors.find((e) => e.path?.join('.') === key && e.extensions?.code === 'FORBIDDEN');
    if (error) this.used.add(error);
    return Boolean(error);
  }

  leak(message: string) {
    this.tally.leaks.push(`LEAK ${message}`);
  }

  falseDenial(message: string) {
    this.tally.falseDenials.push(`FALSE DENIAL ${message}`);
  }

  mismatch(message: string) {
    this.tally.mismatches.push(`MISMATCH ${message}`);
  }

  /** A value the oracle says must be refused (a whole field: list, lookup, link): null + FORBIDDEN. */
  refused(value: unknown, path: (string | number)[], reason: string) {
    this.tally.probes++;
    if (value != null) this.leak(`${this.at(path)}: expected FORBIDDEN (${reason}), got ${preview(value)}`);
    else if (!this.forbiddenAt(path))
      this.mismatch(`${this.at(path)}: null without a FORBIDDEN error (${reason})`);
  }

  field(value: unknown, row: Row, name: string, path: (string | number)[]) {
    this.tally.probes++;
    const mode = rowMode(this.v, row, name);
    const expected = row.values[name];
    const field = row.dataset.fields[name];
    const where = `${this.at(path)}: ${describeRow(row)}.${name} [${why(this.v, row, name)}]`;
    if (mode === 'DENIED') {
      if (value != null) this.leak(`${where}: got ${preview(value)}`);
      else if (!this.forbiddenAt(path)) this.mismatch(`${where}: null but no FORBIDDEN error at the path`);
      return;
    }
    if (value == null && expected != null) {
      if (this.forbiddenAt(path)) this.falseDenial(`${where}: FORBIDDEN`);
      else this.falseDenial(`${where}: null`);
      return;
    }
    if (mode === 'CLEAR') {
      if (isDeepStrictEqual(value, expected)) return;
      if (field.mask && looksMasked(field.mask, expected, value))
        this.falseDenial(`${where}: masked ${preview(value)}`);
      else this.mismatch(`${where}: expected ${preview(expected)}, got ${preview(value)}`);
      return;
    }
    // MASKED
    if (field.mask && looksMasked(field.mask, expected, value)) return;
    if (isDeepStrictEqual(value, expected)) this.leak(`${where}: in clear ${preview(value)}`);
    else this.mismatch(`${where}: expected a masked form of ${preview(expected)}, got ${preview(value)}`);
  }

  object(obj: Record<string, unknown>, row: Row, path: (string | number)[], sels: Sel[]) {
    for (const sel of sels) {
      const p = [...path, sel.key];
      if (sel.children) this.link(obj[sel.key], row, sel.name, p, sel.children);
      else this.field(obj[sel.key], row, sel.name, p);
    }
  }

  link(value: unknown, row: Row, linkName: string, path: (string | number)[], children: Sel[]) {
    const link = row.dataset.links?.[linkName] as LinkDef;
    const target = linkTarget(row.dataset, linkName);
    if (!canFollow(this.v, row.dataset, link)) {
      this.refused(value, path, `link ${row.dataset.name}.${linkName} joins on fields not readable in clear`);
      return;
    }
    if (value == null && this.forbiddenAt(path)) {
      this.tally.probes++;
      this.falseDenial(`${this.at(path)}: link ${row.dataset.name}.${linkName} refused`);
      return;
    }
    const candidates = linkTargets(this.fx, row, link);
    if (link.kind === 'one') {
      this.rows(
        value == null ? [] : [value],
        candidates,
        target,
        path,
        () => path,
        children,
        `link ${linkName}`,
      );
    } else if (!Array.isArray(value)) {
      this.tally.probes++;
      this.mismatch(`${this.at(path)}: link ${linkName} is not a list: ${preview(value)}`);
    } else this.rows(value, candidates, target, path, (j) => [...path, j], children, `link ${linkName}`);
  }

  /**
   * Rows of a list or link: every visible candidate present (once), no invisible candidate, and every field
   * of every row as the oracle says. Rows of other tests (not in the fixture) are ignored.
   */
  rows(
    objs: unknown[],
    candidates: Row[],
    dataset: Dataset,
    base: (string | number)[],
    pathOf: (j: number) => (string | number)[],
    sels: Sel[],
    what: string,
    unexpected: 'leak' | 'mismatch' = 'mismatch',
  ) {
    const seen = new Set<Row>();
    objs.forEach((obj, j) => {
      const src = (obj as { __src?: { sourceRecordId?: string } } | null)?.__src?.sourceRecordId;
      const row = src ? this.fx.bySrc.get(src) : undefined;
      if (!row) {
        if (!src) this.mismatch(`${this.at(pathOf(j))}: ${what}: a row without provenance`);
        return;
      }
      if (row.dataset !== dataset || !candidates.includes(row)) {
        const message = `${this.at(pathOf(j))}: ${what}: unexpected row ${describeRow(row)}`;
        if (unexpected === 'leak') this.leak(message);
        else this.mismatch(message);
        return;
      }
      if (seen.has(row)) this.mismatch(`${this.at(pathOf(j))}: ${what}: ${describeRow(row)} twice`);
      seen.add(row);
      if (!visible(this.v, row)) {
        this.leak(`${this.at(pathOf(j))}: ${what}: row ${describeRow(row)} of another district`);
        return;
      }
      this.object(obj as Record<string, unknown>, row, pathOf(j), sels);
    });
    for (const row of candidates) {
      this.tally.probes++;
      if (visible(this.v, row) && !seen.has(row)) {
        this.falseDenial(`${this.at(base)}: ${what}: missing row ${describeRow(row)}`);
      }
    }
  }

  /** A connection: totalCount (if selected) and nodes or edges. */
  list(
    conn: { totalCount?: number; nodes?: unknown[]; edges?: { node?: unknown }[] } | null | undefined,
    dataset: Dataset,
    path: (string | number)[],
    candidates: Row[],
    sels: Sel[],
    unexpected: 'leak' | 'mismatch' = 'mismatch',
  ): Row[] {
    if (conn == null) {
      this.tally.probes++;
      this.falseDenial(`${this.at(path)}: list ${dataset.names.many} refused or null`);
      return [];
    }
    const expected = candidates.filter((r) => visible(this.v, r));
    if (typeof conn.totalCount === 'number') {
      this.tally.probes++;
      if (conn.totalCount > expected.length) {
        this.leak(`${this.at(path)}.totalCount: ${conn.totalCount}, but ${expected.length} rows are visible`);
      } else if (conn.totalCount < expected.length) {
        this.falseDenial(`${this.at(path)}.totalCount: ${conn.totalCount}, expected ${expected.length}`);
      }
    }
    const what = dataset.names.many;
    let nodes: unknown[] = [];
    if (Array.isArray(conn.nodes)) {
      nodes = conn.nodes;
      this.rows(
        nodes,
        candidates,
        dataset,
        [...path, 'nodes'],
        (j) => [...path, 'nodes', j],
        sels,
        what,
        unexpected,
      );
    }
    if (Array.isArray(conn.edges)) {
      nodes = conn.edges.map((e: { node?: unknown }) => e?.node);
      const pathOf = (j: number) => [...path, 'edges', j, 'node'];
      this.rows(nodes, candidates, dataset, [...path, 'edges'], pathOf, sels, what, unexpected);
    }
    // The fixture rows returned, in order.
    return nodes.flatMap((n) => {
      const row = this.fx.bySrc.get(
        (n as { __src?: { sourceRecordId?: string } })?.__src?.sourceRecordId ?? '',
      );
      return row ? [row] : [];
    });
  }

  /** A natural-key lookup of a fixture row. */
  lookup(value: unknown, row: Row, path: (string | number)[], sels: Sel[]) {
    const hidden = row.dataset.key.filter((k) => fieldMode(this.v, row.dataset, k) !== 'CLEAR');
    if (hidden.length) {
      this.refused(value, path, `lookup by ${hidden.join(', ')}, not readable in clear`);
      return;
    }
    this.tally.probes++;
    if (!visible(this.v, row)) {
      if (value != null)
        this.leak(`${this.at(path)}: lookup returned ${describeRow(row)} of another district`);
      return;
    }
    if (value == null) {
      this.falseDenial(`${this.at(path)}: lookup of ${describeRow(row)} returned null`);
      return;
    }
    const src = (value as { __src?: { sourceRecordId?: string } }).__src?.sourceRecordId;
    if (src !== row.src) {
      this.mismatch(`${this.at(path)}: lookup of ${describeRow(row)} returned ${src}`);
      return;
    }
    this.object(value as Record<string, unknown>, row, path, sels);
  }

  /**
   * Marks the FORBIDDEN errors under a path as expected: a record the fixture does not hold (another test
   * file's, in the shared database) is judged by the canary scan only, not field by field.
   */
  expectForbiddenUnder(path: readonly (string | number)[]) {
    for (const error of this.errors) {
      const at = error.path ?? [];
      if (error.extensions?.code === 'FORBIDDEN' && path.every((part, i) => at[i] === part))
        this.used.add(error);
    }
  }

  /** Marks every error as expected (when a refused root nulls the whole response). */
  expectAnyErrors() {
    for (const error of this.errors) this.used.add(error);
  }

  /** Unexpected errors, and the canary scan of the whole response. */
  finish() {
    for (const error of this.errors) {
      if (this.used.has(error)) continue;
      this.mismatch(
        `${this.v.caller.label} ${this.what}: unexpected error ${String(error.extensions?.code)} at ${error.path?.join('.') ?? '-'}: ${error.message}`,
      );
    }
    for (const leak of scanLeaks(this.body, this.fx, this.v)) this.tally.leaks.push(`${leak} (${this.what})`);
  }
}

// -------------------------------------------------------------------------------------------------------
// the full query: every list (all fields, links with all target fields, totalCount, cursors) and lookup
// -------------------------------------------------------------------------------------------------------

export interface PlanItem {
  alias: string;
  kind: 'list' | 'lookup';
  dataset: Dataset;
  row?: Row;
  sels: Sel[];
}

export function fullQuery(
  fx: Fixture,
  which: readonly Dataset[] = datasets,
): { query: string; plan: PlanItem[] } {
  const parts: string[] = [];
  const plan: PlanItem[] = [];
  for (const dataset of which) {
    const sels = fullSels(dataset);
    const alias = `l_${dataset.name}`;
    parts.push(
      `${alias}: ${dataset.names.many}(filter: ${isolating(fx, dataset)}, first: 100) { totalCount pageInfo { startCursor endCursor } edges { cursor node { ${renderSels(sels, dataset)} } } }`,
    );
    plan.push({ alias, kind: 'list', dataset, sels });
    for (const row of fx.rowsOf(dataset)) {
      const lookupAlias = `k_${dataset.name}_${row.index}`;
      parts.push(`${lookupAlias}: ${dataset.names.one}(${keyArgs(row)}) { ${renderSels(sels, dataset)} }`);
      plan.push({ alias: lookupAlias, kind: 'lookup', dataset, row, sels });
    }
  }
  return { query: `{\n${parts.join('\n')}\n}`, plan };
}

/**
 * The full query split by datasets into requests within the alias and token limits given, so that the whole
 * catalogue stays under the hub's alias, token and cost limits as datasets are added.
 */
export function fullQueries(
  fx: Fixture,
  limits = { aliases: 100, tokens: 4000 },
): { query: string; plan: PlanItem[] }[] {
  const groups: Dataset[][] = [];
  let size = { aliases: 0, tokens: 0 };
  for (const dataset of datasets) {
    const aliases = 1 + fx.rowsOf(dataset).length;
    const tokens = tokenCount(fullQuery(fx, [dataset]).query);
    if (!groups.length || size.aliases + aliases > limits.aliases || size.tokens + tokens > limits.tokens) {
      groups.push([]);
      size = { aliases: 0, tokens: 0 };
    }
    groups[groups.length - 1].push(dataset);
    size = { aliases: size.aliases + aliases, tokens: size.tokens + tokens };
  }
  return groups.map((group) => fullQuery(fx, group));
}

/** The lexical tokens of a document, as the hub's token limit counts them. */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

export function checkPlan(check: ResponseCheck, plan: PlanItem[]) {
  const data = check.body.data;
  if (!data) {
    check.mismatch(`${check.v.caller.label} ${check.what}: no data at all: ${preview(check.body.errors)}`);
    return;
  }
  for (const item of plan) {
    if (item.kind === 'list') {
      check.list(data[item.alias], item.dataset, [item.alias], check.fx.rowsOf(item.dataset), item.sels);
    } else check.lookup(data[item.alias], item.row as Row, [item.alias], item.sels);
  }
}

export const upperSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** How a field filters, derived from its declaration as the API documents it (not from src/datasets). */
export function filterKind(field: FieldDef): 'list' | 'range' | 'dateRange' | 'boolean' | undefined {
  if (!field.filter) return undefined;
  if (field.type === 'integer' || field.type === 'number') return 'range';
  if (field.type === 'date') return 'dateRange';
  if (field.type === 'boolean') return 'boolean';
  if (field.type === 'point' || field.type === 'polygon' || field.type === 'textList') return undefined;
  return 'list';
}

/** The filter argument that selects exactly the rows holding `value` in a field. */
export function filterArg(field: FieldDef, value: unknown): unknown {
  switch (filterKind(field)) {
    case 'list':
      return [value];
    case 'range':
      return { min: value, max: value };
    case 'dateRange':
      return { from: value, to: value };
    default:
      return value;
  }
}

/** What one caller's full query (every list, lookup, cross-link and count) showed against the oracle. */
export interface CanaryRun {
  view: View;
  /** The answers, one per request of `fullQueries`. */
  bodies: GraphqlResponse['body'][];
  tally: Tally;
  /** Canaries of a visible row's CLEAR field that the response lacks (false denials, in canary terms). */
  missing: string[];
  /** Canaries the scan alone (independent of the structural walk) found where the oracle forbids them. */
  scanned: string[];
}

/** Runs the full query as a caller of the world and checks it against the oracle, structurally and by scan. */
export async function canaryRun(hub: TestHub, world: World, label: string): Promise<CanaryRun> {
  const caller = world.caller(label);
  const { fx } = world;
  const queries = fullQueries(fx);
  const { result: bodies, views } = await asCallers(hub, [caller], async () => {
    const answers: GraphqlResponse['body'][] = [];
    for (const { query } of queries) answers.push((await hub.graphql(caller.key, query)).body);
    return answers;
  });
  const view = views.get(label);
  if (!view) throw new Error('no view');
  const tally = new Tally();
  queries.forEach(({ plan }, i) => {
    const check = new ResponseCheck(tally, fx, view, bodies[i], 'full query');
    checkPlan(check, plan);
    check.finish();
  });
  const raw = JSON.stringify(bodies);
  const missing: string[] = [];
  for (const token of fx.tokens) {
    if (token.match !== 'substring') continue;
    const owner = token.owners.find((o) => visible(view, o.row) && rowMode(view, o.row, o.field) === 'CLEAR');
    if (owner && !raw.includes(token.text)) {
      missing.push(`${label}: ${describeRow(owner.row)}.${owner.field} is CLEAR but ${token.text} is absent`);
    }
  }
  return { view, bodies, tally, missing, scanned: scanLeaks(bodies, fx, view) };
}
