import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasets } from '../src/catalog/registry.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { keyIsPublic, publicDatasets, publicFieldsOf } from '../src/public/catalog.js';
import { PUBLIC_REQUESTS_EVENT } from '../src/public/counts.js';
import { formatsOf } from '../src/public/downloads.js';
import { collectLeaves, type Fixture, sharingOf, tokenHit, withLeakWorld } from './support/leaks.js';
import { outgoingRecord, uniqueId } from './support/records.js';
import { seed } from './support/seed.js';

/**
 * The public surface (/public): no key, PUBLIC fields only. The schema is walked by introspection against
 * the catalogue; every list, lookup and download is scanned for the canary values of the leak fixture
 * (test/support/leaks.ts): a value of a field that is not PUBLIC must never appear, in an answer, an error
 * or a count.
 */

const PER_MINUTE = 60;
const COUNT_MS = 1_000;
const { hub, world } = withLeakWorld({
  limits: { ...DEFAULT_LIMITS, publicPerMinute: PER_MINUTE },
  // Each test sends from an address of its own (X-Forwarded-For from loopback), so the limit is per test.
  dependencies: { trustedProxies: ['loopback'], publicCountMs: COUNT_MS },
});

let addresses = 0;
/** A client address of its own: 198.51.100.N. */
const newAddress = () => `198.51.100.${++addresses}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(path: string, address: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${hub.url}${path}`, { headers: { 'x-forwarded-for': address, ...headers } });
  // the bytes as sent: Response.text() would drop a byte-order mark
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, text };
}

async function publicGraphql(
  address: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: any; raw: string }> {
  const response = await fetch(`${hub.url}/public/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ query, variables }),
  });
  const raw = await response.text();
  return { status: response.status, body: JSON.parse(raw), raw };
}

/** Whether a canary's owner is a PUBLIC field: the only values the public may see. */
const isPublicOwner = (owner: Fixture['tokens'][number]['owners'][number]) => {
  // `__row` owns the row's source record id: provenance, never PUBLIC
  const field = Object.hasOwn(owner.row.dataset.fields, owner.field)
    ? owner.row.dataset.fields[owner.field]
    : undefined;
  return field !== undefined && sharingOf(field) === 'PUBLIC';
};
const publicOwner = (token: Fixture['tokens'][number]) => token.owners.some(isPublicOwner);

/**
 * Every canary of a field that is not PUBLIC found anywhere in a parsed answer. An answer holding other
 * files' rows too (a whole dataset) is scanned for the text canaries only: a number or a short code of the
 * fixture may also be another row's value.
 */
function leaksIn(value: unknown, what: string, { wholeDataset = false } = {}): string[] {
  const leaves: Parameters<typeof collectLeaves>[2] = [];
  collectLeaves(value, '', leaves);
  const found: string[] = [];
  for (const token of world.fx.tokens) {
    if (publicOwner(token) || (wholeDataset && token.match !== 'substring')) continue;
    const hit = tokenHit(token, leaves);
    if (hit) {
      const owners = token.owners.map((o) => `${o.row.dataset.name}.${o.field}`).join(' / ');
      found.push(`${what}: ${JSON.stringify(token.text)} of ${owners} at ${hit.path}`);
    }
  }
  return found;
}

/** The fixture's text canaries of PUBLIC fields of a dataset: each must show (no false denial). */
function publicCanaries(dataset: Dataset): string[] {
  return world.fx.tokens
    .filter(
      (token) =>
        token.match === 'substring' &&
        token.owners.some((o) => o.row.dataset === dataset && isPublicOwner(o)),
    )
    .map((token) => token.text);
}

const INTROSPECTION = `{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { name kind
    fields { name args { name type { name kind ofType { name kind ofType { name kind } } } } }
    inputFields { name } enumValues { name } } } }`;

interface IntrospectedType {
  name: string;
  kind: string;
  fields: { name: string; args: { name: string }[] }[] | null;
  inputFields: { name: string }[] | null;
  enumValues: { name: string }[] | null;
}

const upperSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

describe('the public schema', () => {
  it('holds only PUBLIC fields of the public datasets: every type walked by introspection', async () => {
    const { status, body } = await publicGraphql(newAddress(), INTROSPECTION);
    expect(status).toBe(200);
    const schema = body.data.__schema;
    expect(schema.mutationType).toBeNull();
    expect(schema.subscriptionType).toBeNull();
    const types = new Map<string, IntrospectedType>(
      (schema.types as IntrospectedType[]).filter((t) => !t.name.startsWith('__')).map((t) => [t.name, t]),
    );
    const expectedRoots = publicDatasets.flatMap((d) => [
      d.names.many,
      ...(keyIsPublic(d) ? [d.names.one] : []),
    ]);
    expect(publicDatasets.map((d) => d.name).sort()).toEqual(['contaminatedSite', 'keySupervisedUnit']);
    const query = types.get(schema.queryType.name) as IntrospectedType;
    expect(query.fields?.map((f) => f.name).sort()).toEqual(expectedRoots.sort());
    for (const field of query.fields ?? []) {
      expect(field.args.map((a) => a.name)).not.toContain('includeDeleted');
    }

    // every object type is a dataset type, its connection or edge, PageInfo or Query: nothing else
    const allowed = new Set(['Query', 'PageInfo']);
    for (const dataset of publicDatasets) {
      const type = dataset.names.type;
      for (const name of [type, `${type}Connection`, `${type}Edge`]) allowed.add(name);
      // the dataset type: exactly its PUBLIC fields (no link, no provenance)
      const fields = types.get(type)?.fields?.map((f) => f.name);
      expect(fields?.sort(), type).toEqual(publicFieldsOf(dataset).sort());
      expect(
        types
          .get(`${type}Connection`)
          ?.fields?.map((f) => f.name)
          .sort(),
      ).toEqual(['edges', 'nodes', 'pageInfo', 'totalCount'].sort());
      expect(
        types
          .get(`${type}Edge`)
          ?.fields?.map((f) => f.name)
          .sort(),
      ).toEqual(['cursor', 'node']);
      // filters on PUBLIC fields, text search and the spatial filters on a PUBLIC geometry only
      const geometryPublic = dataset.geometryField && publicFieldsOf(dataset).includes(dataset.geometryField);
      for (const input of types.get(`${type}Filter`)?.inputFields ?? []) {
        const ok =
          publicFieldsOf(dataset).includes(input.name) ||
          input.name === 'search' ||
          (geometryPublic && ['bbox', 'intersects'].includes(input.name));
        expect(ok, `${type}Filter.${input.name}`).toBe(true);
      }
      const sortable = publicFieldsOf(dataset).map(upperSnake);
      for (const value of types.get(`${type}OrderField`)?.enumValues ?? []) {
        expect(sortable, `${type}OrderField.${value.name}`).toContain(value.name);
      }
    }
    for (const type of types.values()) {
      if (type.kind === 'OBJECT') expect(allowed.has(type.name), `object type ${type.name}`).toBe(true);
    }
    // no type of a dataset that discloses nothing, nor of the hub's other concerns
    for (const dataset of datasets.filter((d) => !publicDatasets.includes(d))) {
      expect(types.has(dataset.names.type), dataset.names.type).toBe(false);
    }
    for (const name of ['AccessGrant', 'AuditRecord', 'RecordProvenance', 'Change', 'CatalogDataset']) {
      expect(types.has(name), name).toBe(false);
    }
  });

  it('refuses what is not there: a non-PUBLIC field, a link, the hub root fields, a mutation', async () => {
    const address = newAddress();
    for (const query of [
      '{ keySupervisedUnits { nodes { anomalies } } }',
      '{ keySupervisedUnits { nodes { hiddenDangerCheckDone } } }',
      '{ keySupervisedUnits { nodes { landRightChanges { creditCode } } } }',
      '{ contaminatedSites { nodes { provenance { publisher } } } }',
      '{ contaminatedSites(includeDeleted: true) { totalCount } }',
      '{ keySupervisedUnits(filter: { anomalies: "x" }) { totalCount } }',
      '{ keySupervisedUnits(filter: { updatedSince: "2020-01-01T00:00:00Z" }) { totalCount } }',
      '{ constructionPermits { totalCount } }',
      '{ myAccess { dataset } }',
      '{ catalog { name } }',
      '{ auditLog { hasMore } }',
      '{ changes(dataset: "contaminatedSite") { hasMore } }',
      'mutation { refuseAccess(id: "x", reason: "y") { id } }',
    ]) {
      const { status, body, raw } = await publicGraphql(address, query);
      expect(status, query).toBe(400);
      expect(body.data, query).toBeUndefined();
      expect(body.errors[0].extensions.code, query).toBe('BAD_USER_INPUT');
      expect(raw, query).not.toMatch(/Did you mean/);
    }
  });
});

describe('the public answers', () => {
  it('list and look up every public dataset: PUBLIC values in full, no other value, in data or counts', async () => {
    const address = newAddress();
    for (const dataset of publicDatasets) {
      const fields = publicFieldsOf(dataset).join(' ');
      const nodes: Record<string, unknown>[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const { body, raw } = await publicGraphql(
          address,
          `query($after: String) { list: ${dataset.names.many}(first: 1000, after: $after) {
            totalCount pageInfo { hasNextPage endCursor startCursor } edges { cursor node { ${fields} } } } }`,
          { after },
        );
        expect(body.errors, raw.slice(0, 500)).toBeUndefined();
        expect(leaksIn(body, dataset.name, { wholeDataset: true })).toEqual([]);
        nodes.push(...body.data.list.edges.map((e: { node: Record<string, unknown> }) => e.node));
        if (!body.data.list.pageInfo.hasNextPage) break;
        after = body.data.list.pageInfo.endCursor;
      }
      const all = JSON.stringify(nodes);
      expect(publicCanaries(dataset).filter((text) => !all.includes(text))).toEqual([]);
      // every fixture row, by its key where the key is PUBLIC
      if (keyIsPublic(dataset)) {
        for (const row of world.fx.rowsOf(dataset)) {
          const args = dataset.key.map((k) => `${k}: ${JSON.stringify(row.values[k])}`).join(', ');
          const { body } = await publicGraphql(
            address,
            `{ one: ${dataset.names.one}(${args}) { ${fields} } }`,
          );
          expect(body.errors).toBeUndefined();
          expect(body.data.one).not.toBeNull();
          expect(leaksIn(body, `${dataset.name} by key`)).toEqual([]);
        }
      }
    }
  });

  it('counts and finds nothing by a value of a field that is not PUBLIC', async () => {
    const address = newAddress();
    const rows = world.fx.rowsOf(publicDatasets.find((d) => d.name === 'keySupervisedUnit') as Dataset);
    const hidden = String(rows[0].values.anomalies);
    expect(hidden).toMatch(/CANARY/);
    const { body } = await publicGraphql(
      address,
      'query($s: String) { keySupervisedUnits(filter: { search: $s }) { totalCount nodes { name } } }',
      { s: hidden },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.keySupervisedUnits).toEqual({ totalCount: 0, nodes: [] });
    // the same search finds the row by its PUBLIC name
    const name = String(rows[0].values.name);
    const found = await publicGraphql(
      address,
      'query($s: String) { keySupervisedUnits(filter: { search: $s }) { totalCount } }',
      { s: name },
    );
    expect(found.body.data.keySupervisedUnits.totalCount).toBe(1);
  });

  it('refuses a malformed and an oversize query with a clear error, and no data', async () => {
    const address = newAddress();
    const malformed = await publicGraphql(address, '{ contaminatedSites { nodes { siteCode }');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(malformed.body.data).toBeUndefined();

    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: contaminatedSites { totalCount }`).join(
      ' ',
    );
    const many = await publicGraphql(address, `{ ${aliases} }`);
    expect(many.status).toBe(400);
    expect(many.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_ALIASES' });
    expect(many.body.errors[0].message).toMatch(/别名.*aliases/);

    const pages = Array.from(
      { length: 200 },
      (_, i) => `a${i}: contaminatedSites(first: 1000) { nodes { siteCode name district listedOn } }`,
    ).join(' ');
    const costly = await publicGraphql(address, `{ ${pages} }`);
    expect(costly.status).toBe(400);
    expect(costly.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_COST' });

    const big = await fetch(`${hub.url}/public/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ query: `{ contaminatedSites { totalCount } } #${'x'.repeat(70_000)}` }),
    });
    expect(big.status).toBe(413);
  });
});

describe('the cacheable public answers', () => {
  const preflight = { 'apollo-require-preflight': 'true' };
  const lookup = `query($c: String!, $y: Int!) { keySupervisedUnit(creditCode: $c, listedYear: $y) { name } }`;
  const pathOf = (unit: Record<string, unknown>) =>
    `/public/graphql?query=${encodeURIComponent(lookup)}&variables=${encodeURIComponent(
      JSON.stringify({ c: unit.creditCode, y: unit.listedYear }),
    )}`;

  it('tags a GET answer (ETag), the same for every caller, and answers 304 to a current copy; a POST is never 304', async () => {
    const address = newAddress();
    const id = uniqueId();
    const unit = outgoingRecord('keySupervisedUnit', id, { name: `PUBLIC-TAG-${id}` });
    const path = pathOf(unit);
    const absent = await get(path, address, preflight);
    expect(absent.status).toBe(200);
    expect(JSON.parse(absent.text).data.keySupervisedUnit).toBeNull();
    await seed(hub.database.db).records('keySupervisedUnit', [unit]);

    const first = await get(path, address, {
      ...preflight,
      'if-none-match': absent.headers.get('etag') as string,
    });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).data.keySupervisedUnit).toEqual({ name: `PUBLIC-TAG-${id}` });
    const tag = first.headers.get('etag') as string;
    expect(tag).toMatch(/^W\/"[\w-]+"$/);
    expect(tag).not.toBe(absent.headers.get('etag'));
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    // another caller, the same answer: the same tag
    expect((await get(path, newAddress(), preflight)).headers.get('etag')).toBe(tag);

    const again = await get(path, address, { ...preflight, 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    // a list of tags, one of them current
    expect((await get(path, address, { ...preflight, 'if-none-match': `W/"stale", ${tag}` })).status).toBe(
      304,
    );

    // POST: the answer, whatever the client holds
    const post = await fetch(`${hub.url}/public/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address, 'if-none-match': tag },
      body: JSON.stringify({ query: lookup, variables: { c: unit.creditCode, y: unit.listedYear } }),
    });
    expect(post.status).toBe(200);
    expect(((await post.json()) as any).data.keySupervisedUnit).toEqual({ name: `PUBLIC-TAG-${id}` });

    // an answer with errors is never 304
    const bad = await get(`/public/graphql?query=${encodeURIComponent('{ nothingHere }')}`, address, {
      ...preflight,
      'if-none-match': '*',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors.length).toBeGreaterThan(0);
  });

  it('changes the tag when a PUBLIC value changes, and never when only a value the public cannot read does', async () => {
    const address = newAddress();
    const id = uniqueId();
    const unit = outgoingRecord('keySupervisedUnit', id, {
      name: `PUBLIC-TAG-${id}`,
      anomalies: `hidden-${id}-1`,
      hiddenDangerCheckDone: false,
    });
    const path = pathOf(unit);
    await seed(hub.database.db).records('keySupervisedUnit', [unit]);
    const tag = (await get(path, address, preflight)).headers.get('etag') as string;

    // the owner changes fields that are not PUBLIC: the public answer, and so its tag, stay
    await seed(hub.database.db).records('keySupervisedUnit', [
      { ...unit, anomalies: `hidden-${id}-2`, hiddenDangerCheckDone: true },
    ]);
    const hidden = await get(path, address, { ...preflight, 'if-none-match': tag });
    expect(hidden.status).toBe(304);
    expect(hidden.headers.get('etag')).toBe(tag);

    await seed(hub.database.db).records('keySupervisedUnit', [{ ...unit, name: `PUBLIC-TAG-${id}-renamed` }]);
    const renamed = await get(path, address, { ...preflight, 'if-none-match': tag });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).not.toBe(tag);
    expect(JSON.parse(renamed.text).data.keySupervisedUnit).toEqual({ name: `PUBLIC-TAG-${id}-renamed` });
  });
});

describe('the public downloads', () => {
  it('lists the downloads', async () => {
    const index = await get('/public/', newAddress());
    expect(index.status).toBe(200);
    const body = JSON.parse(index.text);
    expect(body.datasets.map((d: { name: string }) => d.name).sort()).toEqual(
      publicDatasets.map((d) => d.name).sort(),
    );
    expect(body.datasets.find((d: { name: string }) => d.name === 'contaminatedSite').downloads).toEqual({
      json: '/public/contaminatedSite.json',
      csv: '/public/contaminatedSite.csv',
      geojson: '/public/contaminatedSite.geojson',
    });
  });

  it('serves every public dataset in every format: PUBLIC fields only, every public canary there', async () => {
    const address = newAddress();
    for (const dataset of publicDatasets) {
      const fields = publicFieldsOf(dataset);
      for (const format of formatsOf(dataset)) {
        const answer = await get(`/public/${dataset.name}.${format}`, address);
        const what = `${dataset.name}.${format}`;
        expect(answer.status, what).toBe(200);
        expect(answer.headers.get('cache-control')).toBe('public, max-age=60');
        expect(answer.headers.get('etag')).toMatch(/^"[^"]+"$/);
        let parsed: unknown;
        if (format === 'csv') {
          expect(answer.text.startsWith('\ufeff'), what).toBe(true);
          const rows = parse(answer.text.slice(1)) as string[][];
          expect(rows[0], what).toEqual(fields);
          // geometry and list cells hold JSON: scanned as values, as in the other formats (a coordinate's
          // digits inside another's would match as text)
          parsed = rows.map((row) => row.map((cell) => (/^[[{]/.test(cell) ? JSON.parse(cell) : cell)));
        } else if (format === 'json') {
          const records = JSON.parse(answer.text) as Record<string, unknown>[];
          for (const record of records) expect(Object.keys(record), what).toEqual(fields);
          parsed = records;
        } else {
          const collection = JSON.parse(answer.text);
          expect(collection.type).toBe('FeatureCollection');
          for (const feature of collection.features) {
            expect(feature.geometry?.type, what).toBe('Polygon');
            expect(Object.keys(feature.properties), what).toEqual(
              fields.filter((f) => f !== dataset.geometryField),
            );
          }
          parsed = collection;
        }
        expect(leaksIn(parsed, what, { wholeDataset: true })).toEqual([]);
        expect(
          publicCanaries(dataset).filter((text) => !answer.text.includes(text)),
          what,
        ).toEqual([]);
      }
    }
  });

  it('refuses a dataset that is not public, an unknown format and GeoJSON without public geometry', async () => {
    const address = newAddress();
    for (const [path, status] of [
      ['/public/constructionPermit.csv', 404],
      ['/public/nothing.json', 404],
      ['/public/contaminatedSite.xlsx', 400],
      ['/public/keySupervisedUnit.geojson', 400],
      ['/public/contaminatedSite', 404],
    ] as const) {
      const answer = await get(path, address);
      expect(answer.status, path).toBe(status);
      const error = JSON.parse(answer.text).errors[0];
      expect(error.message, path).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    }
  });

  it('answers 304 to a current copy (ETag), and a new ETag once the dataset changes; a withdrawn record leaves', async () => {
    const address = newAddress();
    const first = await get('/public/contaminatedSite.csv', address);
    const tag = first.headers.get('etag') as string;
    const again = await get('/public/contaminatedSite.csv', address, { 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    // another format has a tag of its own
    const json = await get('/public/contaminatedSite.json', address, { 'if-none-match': tag });
    expect(json.status).toBe(200);

    const id = uniqueId();
    const record = outgoingRecord('contaminatedSite', id, { name: `PUBLIC-TEST-${id}` });
    await seed(hub.database.db).records('contaminatedSite', [record]);
    const published = await get('/public/contaminatedSite.csv', address, { 'if-none-match': tag });
    expect(published.status).toBe(200);
    expect(published.headers.get('etag')).not.toBe(tag);
    expect(published.text).toContain(`PUBLIC-TEST-${id}`);
    const geojson = await get('/public/contaminatedSite.geojson', address);
    expect(geojson.text).toContain(`PUBLIC-TEST-${id}`);

    await seed(hub.database.db).records('contaminatedSite', [{ ...record, deleted: true }]);
    for (const format of ['csv', 'json', 'geojson']) {
      const withdrawn = await get(`/public/contaminatedSite.${format}`, address, {
        'if-none-match': published.headers.get('etag') as string,
      });
      expect(withdrawn.status, format).toBe(200);
      expect(withdrawn.text, format).not.toContain(`PUBLIC-TEST-${id}`);
    }
    const looked = await publicGraphql(
      address,
      'query($c: String!) { contaminatedSite(siteCode: $c) { name } }',
      { c: record.siteCode },
    );
    expect(looked.body.data.contaminatedSite).toBeNull();
  });

  it('keeps a download’s tag when only a field the public cannot read changes, and changes it with a PUBLIC one', async () => {
    const address = newAddress();
    const id = uniqueId();
    const unit = outgoingRecord('keySupervisedUnit', id, {
      name: `PUBLIC-DL-${id}`,
      anomalies: `hidden-${id}-1`,
    });
    await seed(hub.database.db).records('keySupervisedUnit', [unit]);
    const tag = (await get('/public/keySupervisedUnit.csv', address)).headers.get('etag') as string;

    await seed(hub.database.db).records('keySupervisedUnit', [{ ...unit, anomalies: `hidden-${id}-2` }]);
    const hidden = await get('/public/keySupervisedUnit.csv', address, { 'if-none-match': tag });
    expect(hidden.status).toBe(304);
    expect(hidden.headers.get('etag')).toBe(tag);

    await seed(hub.database.db).records('keySupervisedUnit', [{ ...unit, name: `PUBLIC-DL-${id}-renamed` }]);
    const renamed = await get('/public/keySupervisedUnit.csv', address, { 'if-none-match': tag });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).not.toBe(tag);
    expect(renamed.text).toContain(`PUBLIC-DL-${id}-renamed`);
  });
});

describe('the limit and the audit of the public surface', () => {
  it('refuses an address past its limit with 429 and Retry-After, and not another address', async () => {
    const address = newAddress();
    for (let i = 0; i < PER_MINUTE; i++) {
      const answer = await get('/public/', address);
      expect(answer.status).toBe(200);
    }
    const refused = await get('/public/contaminatedSite.csv', address);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(refused.text).errors[0]).toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
      message: expect.stringMatching(/公开查询过多.*Too many public requests/),
    });
    const graphql = await publicGraphql(address, '{ contaminatedSites { totalCount } }');
    expect(graphql.status).toBe(429);
    expect((await get('/public/', newAddress())).status).toBe(200);
  });

  it('writes the counts per route, dataset and outcome, not a record per request, readable by auditors', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const address = newAddress();
    const first = await get('/public/keySupervisedUnit.json', address);
    await get('/public/keySupervisedUnit.json', address, {
      'if-none-match': first.headers.get('etag') as string,
    });
    await get('/public/keySupervisedUnit.json', address, {
      'if-none-match': first.headers.get('etag') as string,
    });
    await get('/public/nothing.csv', address);
    await publicGraphql(address, '{ keySupervisedUnits { totalCount } }');
    // Refusals past the limit are counted under the route and dataset asked for.
    const busy = newAddress();
    for (let i = 0; i < PER_MINUTE; i++) await get('/public/', busy);
    expect((await get('/public/contaminatedSite.csv', busy)).status).toBe(429);
    expect((await publicGraphql(busy, '{ contaminatedSites { totalCount } }')).status).toBe(429);
    // the interval ends, and its record is written
    await new Promise((resolve) => setTimeout(resolve, COUNT_MS * 2.5));
    const auditor = world.caller('AUDITOR').key;
    const log = await hub.graphql(
      auditor,
      `query($f: AuditFilter) { auditLog(filter: $f, first: 1000) { records { principal outcome detail } } }`,
      { f: { event: PUBLIC_REQUESTS_EVENT, from: since } },
    );
    expect(log.body.errors).toBeUndefined();
    const records = log.body.data.auditLog.records as { principal: null; outcome: string; detail: any }[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.principal === null && r.outcome === 'COUNTED')).toBe(true);
    const counted = (route: string, dataset: string | null, outcome: string) =>
      records
        .flatMap((r) => r.detail.counts)
        .filter((c) => c.route === route && c.dataset === dataset && c.outcome === outcome)
        .reduce((sum, c) => sum + c.count, 0);
    expect(counted('JSON', 'keySupervisedUnit', 'OK')).toBeGreaterThanOrEqual(1);
    expect(counted('JSON', 'keySupervisedUnit', 'NOT_MODIFIED')).toBeGreaterThanOrEqual(2);
    expect(counted('DOWNLOAD', null, 'NOT_FOUND')).toBeGreaterThanOrEqual(1);
    expect(counted('GRAPHQL', 'keySupervisedUnit', 'OK')).toBeGreaterThanOrEqual(1);
    expect(counted('CSV', 'contaminatedSite', 'RATE_LIMITED')).toBeGreaterThanOrEqual(1);
    expect(counted('GRAPHQL', null, 'RATE_LIMITED')).toBeGreaterThanOrEqual(1);
    // the public reads no audit: the log is not in its schema
    const refused = await publicGraphql(newAddress(), '{ auditLog { hasMore } }');
    expect(refused.status).toBe(400);
  });
});
