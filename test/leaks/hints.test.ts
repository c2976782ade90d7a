import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName, datasets } from '../../src/catalog/registry.js';
import {
  AWAY,
  asCallers,
  type Caller,
  districtOf,
  fieldMode,
  filterArg,
  filterKind,
  fullQueries,
  HOME,
  keyArgs,
  LABELS,
  ROW_ID,
  sharingOf,
  type Token,
  upperSnake,
  type View,
  withLeakWorld,
} from '../support/leaks.js';
import { fieldSelection } from '../support/records.js';

/**
 * Errors and suggestions reveal no field names or values a caller may not see: no "Did you mean" for a
 * misspelled name anywhere (validation or variable coercion), no canary in any error message or extension
 * (FORBIDDEN fields, refused filters and orders, failed lookups).
 */

const { hub, world } = withLeakWorld();

const ds = (name: string) => datasetByName(name) as Dataset;
const SUGGESTION = /did you mean|您是否|perhaps you meant/i;

/** A misspelling of a name that is no name of the type: the last two characters swapped, or one dropped. */
function misspell(name: string, taken: readonly string[]): string {
  const swapped = `${name.slice(0, -2)}${name.slice(-1)}${name.slice(-2, -1)}`;
  if (swapped !== name && !taken.includes(swapped)) return swapped;
  return name.slice(0, -1);
}

/** Whole-word occurrences of a name in a text (so that a misspelling's own prefix does not count). */
const mentions = (text: string, name: string) =>
  new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(text);

/** Every canary of the fixture found anywhere in a value (errors should hold none at all). */
function canariesIn(value: unknown, tokens: Token[]): string[] {
  const text = JSON.stringify(value ?? null);
  return tokens
    .filter((t) =>
      t.match === 'number'
        ? t.text.length >= 7 && text.includes(t.text)
        : t.text.length >= 5 && text.includes(t.text),
    )
    .map(
      (t) =>
        `${t.text} (${t.owners.map((o) => `${o.row.dataset.name}#${o.row.index}.${o.field}`).join(' / ')})`,
    );
}

interface Hinted {
  what: string;
  suggestion: boolean;
  names: string[];
  body: string;
}

/** Checks an error response for suggestions and for the intended names (in messages and extension values). */
function hinted(
  what: string,
  body: { errors?: { message: string; extensions?: object }[] },
  intended: string[],
) {
  const text = JSON.stringify((body.errors ?? []).map((e) => [e.message, Object.values(e.extensions ?? {})]));
  const names = intended.filter((n) => mentions(text, n));
  const suggestion = SUGGESTION.test(text);
  if (!suggestion && names.length === 0) return undefined;
  return { what, suggestion, names, body: text.slice(0, 400) } as Hinted;
}

describe('errors give no hints', () => {
  it('misspelled field, link, argument and type names in a query get no suggestion (validation)', async () => {
    const consumer = world.caller('WATER');
    const found: Hinted[] = [];
    for (const dataset of datasets) {
      const fields = Object.keys(dataset.fields);
      const links = Object.keys(dataset.links ?? {});
      const names = [...fields, ...links];
      for (const name of names) {
        const wrong = misspell(name, names);
        const query = `{ x: ${dataset.names.many}(first: 1) { nodes { ${wrong} } } }`;
        const res = await hub.graphql(consumer.key, query);
        expect(res.body.errors?.length, `${dataset.name}.${wrong}`).toBeGreaterThan(0);
        const hit = hinted(
          `${dataset.names.type}.${wrong} (for ${name}, ${sharingOf(dataset.fields[name] ?? {})})`,
          res.body,
          [name],
        );
        if (hit) found.push(hit);
      }
      // a misspelled lookup argument, a misspelled type condition, a misspelled filter field and sort value
      // a lookup with its key and one more, misspelled, key argument (only "Unknown argument" applies)
      const [key] = dataset.key;
      const wrongKey = misspell(key, dataset.key);
      const keyRow = world.fx.rowsOf(dataset)[0];
      const lookup = `{ x: ${dataset.names.one}(${keyArgs(keyRow)}, ${wrongKey}: "x") { ${ROW_ID} } }`;
      const type = `{ x: ${dataset.names.many}(first: 1) { nodes { ... on ${dataset.names.type.slice(0, -1)} { ${ROW_ID} } } } }`;
      const filterable = fields.filter((f) => filterKind(dataset.fields[f]));
      const sortable = fields.filter((f) => dataset.fields[f].sortable);
      const cases: [string, string, string[]][] = [
        [`${dataset.names.one}(${wrongKey})`, lookup, [key]],
        [`... on ${dataset.names.type.slice(0, -1)}`, type, [dataset.names.type]],
      ];
      for (const f of filterable) {
        const wrong = misspell(f, fields);
        cases.push([
          `filter literal ${dataset.names.type}Filter.${wrong}`,
          `{ x: ${dataset.names.many}(filter: { ${wrong}: null }) { totalCount } }`,
          [f],
        ]);
      }
      for (const f of sortable) {
        const wrong = misspell(upperSnake(f), sortable.map(upperSnake));
        cases.push([
          `orderBy literal ${wrong}`,
          `{ x: ${dataset.names.many}(orderBy: { field: ${wrong} }) { totalCount } }`,
          [upperSnake(f)],
        ]);
      }
      for (const [what, query, intended] of cases) {
        const res = await hub.graphql(consumer.key, query);
        expect(res.body.errors?.length, what).toBeGreaterThan(0);
        const hit = hinted(what, res.body, intended);
        if (hit) found.push(hit);
      }
    }
    expect(found).toEqual([]);
  });

  it('misspelled PRIVATE and CONDITIONAL field names are not suggested to a caller who may not read them', async () => {
    const consumer = world.caller('WATER');
    const found: Hinted[] = [];
    for (const dataset of datasets) {
      const hidden = Object.keys(dataset.fields).filter(
        (f) => fieldMode({ caller: consumer, grants: new Set() }, dataset, f) === 'DENIED',
      );
      for (const name of hidden) {
        const wrong = misspell(name, Object.keys(dataset.fields));
        for (const query of [
          `{ x: ${dataset.names.many}(first: 1) { nodes { ${wrong} } } }`,
          `{ x: ${dataset.names.many}(first: 1) { nodes { ${ROW_ID} } } } fragment F on ${dataset.names.type} { ${wrong} }`,
        ]) {
          const res = await hub.graphql(consumer.key, query);
          expect(res.body.errors?.length, `${dataset.name}.${wrong}`).toBeGreaterThan(0);
          const hit = hinted(
            `${dataset.names.type}.${wrong} (${sharingOf(dataset.fields[name])})`,
            res.body,
            [name],
          );
          if (hit) found.push(hit);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('misspelled names in variables get no suggestion either (input coercion)', async () => {
    const consumer = world.caller('WATER');
    const found: Hinted[] = [];
    for (const dataset of datasets) {
      const fields = Object.keys(dataset.fields);
      const type = dataset.names.type;
      const query = `query($f: ${type}Filter, $o: ${type}Order) { x: ${dataset.names.many}(filter: $f, orderBy: $o, first: 1) { totalCount } }`;
      for (const f of fields.filter((n) => filterKind(dataset.fields[n]))) {
        const wrong = misspell(f, fields);
        const res = await hub.graphql(consumer.key, query, { f: { [wrong]: null } });
        expect(res.body.errors?.length, `${type}Filter.${wrong}`).toBeGreaterThan(0);
        const hit = hinted(
          `variable $f: ${type}Filter.${wrong} (for ${f}, ${sharingOf(dataset.fields[f])})`,
          res.body,
          [f],
        );
        if (hit) found.push(hit);
      }
      for (const [f, field] of Object.entries(dataset.fields)) {
        if (field.type !== 'enum' || !field.filter) continue;
        const values = Object.keys(field.enum.values);
        const wrong = misspell(values[0], values);
        const res = await hub.graphql(consumer.key, query, { f: { [f]: [wrong] } });
        expect(res.body.errors?.length, `${type}Filter.${f} ${wrong}`).toBeGreaterThan(0);
        const hit = hinted(
          `variable $f: ${type}Filter.${f} value ${wrong} (for ${values[0]}, ${sharingOf(field)})`,
          res.body,
          [values[0]],
        );
        if (hit) found.push(hit);
      }
      const sortable = fields.filter((n) => dataset.fields[n].sortable);
      for (const f of sortable) {
        const wrong = misspell(upperSnake(f), sortable.map(upperSnake));
        const res = await hub.graphql(consumer.key, query, { o: { field: wrong } });
        expect(res.body.errors?.length, `${type}Order ${wrong}`).toBeGreaterThan(0);
        const hit = hinted(
          `variable $o: ${type}OrderField ${wrong} (for ${upperSnake(f)}, ${sharingOf(dataset.fields[f])})`,
          res.body,
          [upperSnake(f)],
        );
        if (hit) found.push(hit);
      }
    }
    console.log(
      `hints in variable coercion: ${found.length}${found.length ? `, e.g. ${found[0].body}` : ''}`,
    );
    expect(
      found.map((f) => `${f.what}: ${f.suggestion ? 'suggests' : 'names'} ${f.names.join(', ')}`),
    ).toEqual([]);
  });

  it.each(LABELS)('%s: no FORBIDDEN (or any other) error carries a value of the fixture', async (label) => {
    const caller = world.caller(label);
    const { fx } = world;
    for (const { query } of fullQueries(fx)) {
      const res = await hub.graphql(caller.key, query);
      expect(res.body.data).toBeTruthy();
      const errors = res.body.errors ?? [];
      for (const error of errors) {
        expect(error.extensions?.code, `${label}: ${error.message}`).toBe('FORBIDDEN');
        expect(error.path?.length, `${label}: ${error.message}`).toBeGreaterThan(0);
      }
      expect(canariesIn(errors, fx.tokens), `${label}: canaries in errors`).toEqual([]);
      expect(canariesIn(res.body.extensions, fx.tokens), `${label}: canaries in extensions`).toEqual([]);
    }
  });

  it('refused filters, orders, geometry filters and lookups name no hidden value', async () => {
    const { fx } = world;
    const problems: string[] = [];
    const callers: Caller[] = ['WATER', 'EXPIRED_GRANT', 'REVOKED_GRANT', `DISTRICT_${HOME}`].map((l) =>
      world.caller(l),
    );
    const { result } = await asCallers(hub, callers, async (views) => {
      let refusals = 0;
      for (const caller of callers) {
        const v = views.get(caller.label) as View;
        for (const dataset of datasets) {
          const row = fx.rowsOf(dataset)[0];
          const type = dataset.names.type;
          const query = `query($f: ${type}Filter, $o: ${type}Order) { x: ${dataset.names.many}(filter: $f, orderBy: $o, first: 5) { totalCount nodes { ${ROW_ID} } } }`;
          const attempts: [string, Record<string, unknown>][] = [];
          for (const [name, field] of Object.entries(dataset.fields)) {
            if (fieldMode(v, dataset, name) === 'CLEAR') continue;
            if (filterKind(field))
              attempts.push([`filter ${name}`, { f: { [name]: filterArg(field, row.values[name]) } }]);
            if (field.sortable) attempts.push([`orderBy ${name}`, { o: { field: upperSnake(name) } }]);
            if (name === dataset.geometryField)
              attempts.push([`intersects ${name}`, { f: { intersects: row.values[name] } }]);
          }
          for (const [what, variables] of attempts) {
            refusals++;
            const res = await hub.graphql(caller.key, query, variables);
            const where = `${caller.label} ${dataset.name} ${what}`;
            if (res.body.data != null) problems.push(`${where}: answered`);
            if (res.body.errors?.[0]?.extensions?.code !== 'FORBIDDEN')
              problems.push(`${where}: not FORBIDDEN`);
            const canaries = canariesIn(res.body, fx.tokens);
            if (canaries.length) problems.push(`${where}: ${canaries.join(', ')}`);
          }
        }
      }
      return refusals;
    });
    expect(result).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it(`a lookup that fails (another district's row, an unknown key, a malformed key) reveals nothing`, async () => {
    const { fx } = world;
    const district = world.caller(`DISTRICT_${HOME}`);
    const problems: string[] = [];
    for (const dataset of datasets) {
      const row = fx.rowsOf(dataset).find((r) => districtOf(r) === AWAY);
      if (!row) continue;
      const all = Object.entries(dataset.fields)
        .map(([name, field]) => fieldSelection(name, field))
        .join(' ');
      const res = await hub.graphql(
        district.key,
        `{ x: ${dataset.names.one}(${keyArgs(row)}) { ${all} ${ROW_ID} } }`,
      );
      if (res.body.data?.x !== null) problems.push(`${dataset.name}: another district's row answered`);
      if (res.body.errors?.length) problems.push(`${dataset.name}: ${JSON.stringify(res.body.errors)}`);
      const canaries = canariesIn(res.body, fx.tokens);
      if (canaries.length) problems.push(`${dataset.name} (other district): ${canaries.join(', ')}`);
    }
    // unknown and malformed keys, as a consumer
    const consumer = world.caller('WATER');
    const enterprise = fx.rowsOf(ds('closedEnterprise'))[0];
    const code = enterprise.values.creditCode as string;
    const broken = `${code.slice(0, 17)}${code.endsWith('0') ? '1' : '0'}`;
    for (const query of [
      `{ x: closedEnterprise(creditCode: ${JSON.stringify(broken)}) { name legalRepresentative ${ROW_ID} } }`,
      `{ x: closedEnterprise(creditCode: "91110000000000000X") { name legalRepresentative ${ROW_ID} } }`,
      `{ x: soilMonitoring(pointCode: ${JSON.stringify(fx.rowsOf(ds('soilMonitoring'))[0].values.pointCode)}, sampledOn: "1999-02-30") { cadmium ${ROW_ID} } }`,
      `{ x: closedEnterprises(after: "bm90IGEgY3Vyc29y") { nodes { legalRepresentative } } }`,
    ]) {
      const res = await hub.graphql(consumer.key, query);
      const canaries = canariesIn(res.body, fx.tokens);
      if (canaries.length) problems.push(`${query}: ${canaries.join(', ')}`);
      if (SUGGESTION.test(JSON.stringify(res.body)))
        problems.push(`${query}: suggests ${JSON.stringify(res.body)}`);
    }
    expect(problems).toEqual([]);
  });
});
