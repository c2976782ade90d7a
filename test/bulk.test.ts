import { Agent, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { outgoingRecord as outgoing, permitFeedScenario, square, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

const hub = withTestHub();
const { keys } = withSeed(hub, (s) =>
  s.keys('HOUSING', 'PLANNING', 'WATER', 'AGRICULTURE', 'FORESTRY', 'ECOLOGY', 'ECONOMY', '110105'),
);
const dataset = (name: string) => datasetByName(name) as Dataset;

const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv; charset=utf-8';

const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** A CSV body: header of the records' keys; geometry as GeoJSON text, lists separated by ";". */
function csv(records: Record<string, unknown>[], header = Object.keys(records[0])) {
  const cell = (value: unknown) =>
    value == null
      ? ''
      : Array.isArray(value)
        ? value.join(';')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return stringify([header, ...records.map((r) => header.map((h) => cell(r[h])))]);
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the hub's answers, checked by the assertions
type Json = any;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  key: string | undefined,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function publish(key: string, name: string, batchKey: string, body: string, type = NDJSON, query = '') {
  const reply = await call('POST', `/datasets/${name}/batches/${batchKey}${query}`, key, body, {
    'content-type': type,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.json;
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

async function exportOf(key: string, name: string, format = 'ndjson') {
  const reply = await call('GET', `/datasets/${name}/export?format=${format}`, key);
  expect(reply.status, reply.text).toBe(200);
  return reply;
}

/** Rows of a dataset whose natural key contains the id, straight from the database. */
async function countRows(table: string, keyColumn: string, id: string, live = true) {
  const rows = await hub.database.sql.unsafe(
    `select count(*)::int as n from ${table} where ${keyColumn} like $1${live ? ' and not deleted' : ''}`,
    [`%${id}%`],
  );
  return Number(rows[0].n);
}

describe('keys and errors', () => {
  const id = uniqueId();
  const body = ndjson([outgoing('constructionPermit', id)]);

  it('refuses every endpoint without a live key, as /graphql does', async () => {
    for (const [method, path] of [
      ['POST', `/datasets/constructionPermit/batches/k-${id}`],
      ['GET', '/datasets/constructionPermit/export'],
      ['GET', '/datasets/constructionPermit/changes'],
    ] as const) {
      for (const key of [undefined, 'jt_not-a-key']) {
        const reply = await call(method, path, key, method === 'POST' ? body : undefined, {
          'content-type': NDJSON,
        });
        expect(reply.status).toBe(401);
        expect(reply.json).toEqual({
          errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }],
        });
      }
    }
    expect(await countRows('construction_permit', 'permit_no', id)).toBe(0);
  });

  it('answers unknown datasets, bad parameters, content types and publishers with their codes', async () => {
    const codeOf = async (reply: Promise<Reply>) => {
      const { status, json, text } = await reply;
      expect(text).not.toMatch(/\n\s+at /);
      return [status, json?.errors?.[0]?.extensions?.code];
    };
    const post = (name: string, query: string, type: string, key = keys.HOUSING, batchKey = `k-${id}`) =>
      call('POST', `/datasets/${name}/batches/${batchKey}${query}`, key, body, { 'content-type': type });
    expect(await codeOf(post('noSuchDataset', '', NDJSON))).toEqual([404, 'NOT_FOUND']);
    expect(await codeOf(call('GET', '/datasets/noSuchDataset/export', keys.HOUSING))).toEqual([
      404,
      'NOT_FOUND',
    ]);
    expect(await codeOf(call('GET', '/datasets/noSuchDataset/changes', keys.HOUSING))).toEqual([
      404,
      'NOT_FOUND',
    ]);
    expect(await codeOf(post('constructionPermit', '', 'application/json'))).toEqual([415, 'BAD_USER_INPUT']);
    expect(await codeOf(post('constructionPermit', '', 'text/csv; charset=klingon'))).toEqual([
      415,
      'BAD_USER_INPUT',
    ]);
    expect(await codeOf(post('constructionPermit', '?mode=sometimes', NDJSON))).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    expect(await codeOf(post('constructionPermit', '?atomic=maybe', NDJSON))).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    expect(await codeOf(post('constructionPermit', '', NDJSON, keys.HOUSING, 'bad key!'))).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    expect(await codeOf(post('constructionPermit', '', NDJSON, keys.PLANNING))).toEqual([403, 'FORBIDDEN']);
    expect(await codeOf(call('GET', '/datasets/siteScreening/export?format=geojson', keys.HOUSING))).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    expect(await codeOf(call('GET', '/datasets/constructionPermit/export?format=xml', keys.HOUSING))).toEqual(
      [400, 'BAD_USER_INPUT'],
    );
    expect(await codeOf(call('GET', '/datasets/constructionPermit/changes?after=abc', keys.HOUSING))).toEqual(
      [400, 'BAD_USER_INPUT'],
    );
    expect(
      await codeOf(call('GET', '/datasets/constructionPermit/changes?limit=100001', keys.HOUSING)),
    ).toEqual([400, 'BAD_USER_INPUT']);
    expect(await codeOf(call('GET', '/datasets/constructionPermit/changes?limit=0', keys.HOUSING))).toEqual([
      400,
      'BAD_USER_INPUT',
    ]);
    expect(await countRows('construction_permit', 'permit_no', id)).toBe(0);
  });

  it("scopes batch keys to the publisher: another publisher's key neither blocks nor shows", async () => {
    const agriculture = outgoing('pesticideUse', `${id}-key-ag`);
    const forestry = outgoing('pesticideUse', `${id}-key-fo`, { landCategory: 'FOREST' });
    const first = await publish(keys.AGRICULTURE, 'pesticideUse', `shared-${id}`, ndjson([agriculture]));
    expect(first).toMatchObject({ status: 'APPLIED', inserted: 1, replayed: false });
    const reply = await call(
      'POST',
      `/datasets/pesticideUse/batches/shared-${id}`,
      keys.FORESTRY,
      ndjson([forestry]),
      { 'content-type': NDJSON },
    );
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ status: 'APPLIED', inserted: 1, replayed: false });
    // Each publisher's replay is its own first result.
    const again = await publish(keys.AGRICULTURE, 'pesticideUse', `shared-${id}`, ndjson([agriculture]));
    expect(again).toMatchObject({ status: 'APPLIED', inserted: 1, replayed: true });
  });
});

describe('publishing streamed batches', () => {
  const id = uniqueId();

  it('publishes a few hundred NDJSON records, and a replay returns the first result and changes nothing', async () => {
    const permits = Array.from({ length: 300 }, (_, n) =>
      outgoing('constructionPermit', `${id}-p${n}`, { projectName: `流式发布 ${id} ${n}` }),
    );
    // Blank lines are skipped; CRLF line ends are fine.
    const body = `${ndjson(permits.slice(0, 150))}\r\n\n${ndjson(permits.slice(150)).replace(/\n/g, '\r\n')}`;
    const first = await publish(keys.HOUSING, 'constructionPermit', `nd-${id}`, body);
    expect(first).toMatchObject({
      dataset: 'constructionPermit',
      batchKey: `nd-${id}`,
      mode: 'DELTA',
      status: 'APPLIED',
      replayed: false,
      received: 300,
      accepted: 300,
      inserted: 300,
      rejectedCount: 0,
    });
    expect(await countRows('construction_permit', 'permit_no', `${id}-p`)).toBe(300);
    const changedBody = ndjson(permits.map((p) => ({ ...p, floorAreaM2: 1 })));
    const again = await publish(keys.HOUSING, 'constructionPermit', `nd-${id}`, changedBody);
    expect(again).toEqual({ ...first, replayed: true });
    // numeric(15, 2): postgres.js reads it as text
    const [{ area }] = await hub.database.sql.unsafe(
      'select max(floor_area_m2)::float8 as area from construction_permit where permit_no like $1',
      [`%${id}-p%`],
    );
    expect(area).toBe(12.5);
  });

  it('publishes geometry from NDJSON (polygons) and from CSV (points, lists), gzip too', async () => {
    const plots = Array.from({ length: 250 }, (_, n) =>
      outgoing('landUseChange', `${id}-l${n}`, { boundary: square(116.3 + n * 0.001, 39.9) }),
    );
    const plotsResult = await publish(keys.PLANNING, 'landUseChange', `plots-${id}`, ndjson(plots));
    expect(plotsResult).toMatchObject({ status: 'APPLIED', inserted: 250, rejectedCount: 0 });

    const wells = Array.from({ length: 300 }, (_, n) =>
      outgoing('irrigationWell', `${id}-w${n}`, {
        location: { type: 'Point', coordinates: [116.2 + n / 10000, 39.8] },
      }),
    );
    const wellsResult = await publish(keys.WATER, 'irrigationWell', `wells-${id}`, csv(wells), CSV);
    expect(wellsResult).toMatchObject({ status: 'APPLIED', received: 300, inserted: 300, rejectedCount: 0 });
    const replay = await publish(keys.WATER, 'irrigationWell', `wells-${id}`, csv(wells), CSV);
    expect(replay).toEqual({ ...wellsResult, replayed: true });
    const [well] = await hub.database.sql.unsafe(
      'select location::text as location from irrigation_well where well_code = $1',
      [wells[7].wellCode],
    );
    expect(well.location).toBe('(116.2007,39.8)');

    const sites = Array.from({ length: 120 }, (_, n) =>
      outgoing('contaminatedSite', `${id}-s${n}`, { pollutants: ['镉', '铅'], boundary: square(116, 39.5) }),
    );
    const zipped = gzipSync(Buffer.from(csv(sites)));
    const reply = await call('POST', `/datasets/contaminatedSite/batches/sites-${id}`, keys.ECOLOGY, zipped, {
      'content-type': CSV,
      'content-encoding': 'gzip',
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({ status: 'APPLIED', inserted: 120 });
    const [site] = await hub.database.sql.unsafe(
      'select pollutants from contaminated_site where site_code = $1',
      [sites[0].siteCode],
    );
    expect(site.pollutants).toEqual(['镉', '铅']);
  });

  it('refuses a CSV header with an unknown column or without a required field, before anything applies', async () => {
    const wells = [1, 2].map((n) => outgoing('irrigationWell', `${id}-hdr${n}`));
    const withColour = csv(
      wells.map((w) => ({ ...w, colour: 'red' })),
      [...Object.keys(wells[0]), 'colour'],
    );
    const unknown = await call('POST', `/datasets/irrigationWell/batches/hdr-${id}`, keys.WATER, withColour, {
      'content-type': CSV,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors[0]).toMatchObject({
      message: expect.stringMatching(/no field "colour"/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const withoutLocation = csv(
      wells,
      Object.keys(wells[0]).filter((k) => k !== 'location'),
    );
    const missing = await call(
      'POST',
      `/datasets/irrigationWell/batches/hdr-${id}`,
      keys.WATER,
      withoutLocation,
      {
        'content-type': CSV,
      },
    );
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].message).toMatch(/missing required column location/);
    expect(await countRows('irrigation_well', 'well_code', `${id}-hdr`)).toBe(0);
    // The key was not used up: the corrected batch applies under it.
    const fixed = await publish(keys.WATER, 'irrigationWell', `hdr-${id}`, csv(wells), CSV);
    expect(fixed).toMatchObject({ status: 'APPLIED', inserted: 2, replayed: false });
  });

  it('rejects undeclared keys that name properties of every object (__proto__, constructor, toString)', async () => {
    const permit = (n: number) => JSON.stringify(outgoing('constructionPermit', `${id}-proto${n}`));
    const body = [
      permit(1).replace(/^\{/, '{"__proto__":{"polluted":true},'),
      permit(2).replace(/^\{/, '{"constructor":"x",'),
      permit(3).replace(/^\{/, '{"toString":"x",'),
      permit(4),
    ].join('\n');
    const result = await publish(
      keys.HOUSING,
      'constructionPermit',
      `proto-${id}`,
      body,
      NDJSON,
      '?atomic=false',
    );
    expect(result).toMatchObject({ status: 'APPLIED', inserted: 1, rejectedCount: 3 });
    expect(result.rejections.map((r: { line: number; field: string }) => [r.line, r.field])).toEqual([
      [1, '__proto__'],
      [2, 'constructor'],
      [3, 'toString'],
    ]);
    // A CSV column of those names is refused at the header, like any undeclared column.
    const header = Object.keys(outgoing('constructionPermit', `${id}-proto5`));
    for (const column of ['__proto__', 'constructor']) {
      const reply = await call(
        'POST',
        `/datasets/constructionPermit/batches/protocsv-${id}`,
        keys.HOUSING,
        `${[...header, column].join(',')}\n`,
        { 'content-type': CSV },
      );
      expect(reply.status, column).toBe(400);
      expect(reply.json.errors[0].message).toContain(`has no field "${column}"`);
    }
  });

  it('rejects bad NDJSON lines by physical line number; atomic applies nothing, atomic=false the rest', async () => {
    const good = (n: number) => outgoing('constructionPermit', `${id}-r${n}`);
    const body = [
      JSON.stringify(good(1)),
      '',
      '{"permitNo": "broken"',
      JSON.stringify({ ...good(2), issuedOn: '2023-02-30' }),
      '[1, 2]',
      JSON.stringify(good(3)),
    ].join('\n');
    const atomic = await publish(keys.HOUSING, 'constructionPermit', `rej-${id}`, body);
    expect(atomic).toMatchObject({ status: 'REJECTED', received: 5, inserted: 0, rejectedCount: 3 });
    expect(atomic.rejections).toEqual([
      { line: 3, field: null, reason: expect.stringMatching(/^invalid JSON: /) },
      { line: 4, field: 'issuedOn', reason: '2023-02-30 is not a real date' },
      { line: 5, field: null, reason: 'a record must be a JSON object' },
    ]);
    expect(await countRows('construction_permit', 'permit_no', `${id}-r`)).toBe(0);

    const acceptValid = () =>
      publish(keys.HOUSING, 'constructionPermit', `rej-${id}`, body, NDJSON, '?atomic=false');
    const partial = await acceptValid();
    expect(partial).toMatchObject({ status: 'APPLIED', inserted: 2, rejectedCount: 3, replayed: false });
    expect(partial.rejections.map((r: { line: number }) => r.line)).toEqual([3, 4, 5]);
    expect(await countRows('construction_permit', 'permit_no', `${id}-r`)).toBe(2);
    // A replay answers exactly the first result, the parser's reasons included.
    const replay = await acceptValid();
    expect(replay).toEqual({ ...partial, replayed: true });
    expect(replay.rejections[0].reason).toMatch(/^invalid JSON: /);
  });

  it('rejects bad CSV rows by line (the header is line 1; a quoted cell may span lines)', async () => {
    const wells = [1, 2, 3, 4, 5].map((n) => outgoing('irrigationWell', `${id}-c${n}`));
    const header = Object.keys(wells[0]);
    const rows = csv(wells, header).trimEnd().split('\n');
    rows[2] = rows[2].replace(/,[^,]*$/, ''); // line 3: one cell short
    wells[2].waterSource = 'RAINWATER';
    rows[3] = csv([wells[2]], header).trimEnd().split('\n')[1]; // line 4: unknown enumeration value
    wells[3].town = '第一行\n第二行';
    const multiLine = csv([wells[3]], header).trimEnd().split('\n').slice(1).join('\n'); // lines 5–6
    wells[4].depthM = -5;
    const negative = csv([wells[4]], header).trimEnd().split('\n')[1]; // line 7
    const body = `${[rows[0], rows[1], rows[2], rows[3], multiLine, negative].join('\r\n')}\r\n`;

    const atomic = await publish(keys.WATER, 'irrigationWell', `csvrej-${id}`, body, CSV);
    expect(atomic).toMatchObject({ status: 'REJECTED', received: 5, rejectedCount: 3 });
    expect(atomic.rejections).toEqual([
      {
        line: 3,
        field: null,
        reason: `invalid CSV row: ${header.length - 1} cells, the header has ${header.length}`,
      },
      { line: 4, field: 'waterSource', reason: expect.stringMatching(/unknown value "RAINWATER"/) },
      { line: 7, field: 'depthM', reason: 'must not be negative, got -5' },
    ]);
    expect(await countRows('irrigation_well', 'well_code', `${id}-c`)).toBe(0);
    const partial = await publish(keys.WATER, 'irrigationWell', `csvrej-${id}`, body, CSV, '?atomic=false');
    expect(partial).toMatchObject({ status: 'APPLIED', inserted: 2, rejectedCount: 3 });
    const [town] = await hub.database.sql.unsafe('select town from irrigation_well where well_code = $1', [
      wells[3].wellCode,
    ]);
    expect(town.town).toBe('第一行\n第二行');
  });

  it('fails a CSV with a syntax error as a whole, with its line', async () => {
    const wells = [1, 2].map((n) => outgoing('irrigationWell', `${id}-q${n}`));
    const body = `${csv(wells)}"${id}-q3","110115",x"y\n`;
    const reply = await call('POST', `/datasets/irrigationWell/batches/quote-${id}`, keys.WATER, body, {
      'content-type': CSV,
    });
    expect(reply.status).toBe(400);
    expect(reply.json.errors[0].message).toMatch(/invalid CSV: .*line 4/);
    expect(await countRows('irrigation_well', 'well_code', `${id}-q`)).toBe(0);
  });

  it('tombstones from CSV with a deleted column, and snapshots', async () => {
    const wells = [1, 2, 3].map((n) => outgoing('irrigationWell', `${id}-t${n}`));
    await publish(keys.WATER, 'irrigationWell', `t1-${id}`, csv(wells), CSV);
    const deletion = stringify([
      ['wellCode', 'deleted'],
      [wells[0].wellCode, '是'],
    ]);
    const result = await publish(keys.WATER, 'irrigationWell', `t2-${id}`, deletion, CSV);
    expect(result).toMatchObject({ status: 'APPLIED', deleted: 1 });
    expect(await countRows('irrigation_well', 'well_code', `${id}-t`)).toBe(2);
  });
});

describe('a half-sent batch', () => {
  /** Sends the first half of a body's lines, then drops the connection. */
  async function sendHalf(path: string, key: string, type: string, body: string) {
    const bytes = Buffer.from(body);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${hub.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type, 'content-length': bytes.length },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      // Whole lines only: a server that took the break for the end of the body would apply them.
      req.write(bytes.subarray(0, bytes.lastIndexOf('\n', Math.floor(bytes.length / 2)) + 1));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 400);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  for (const format of ['ndjson', 'csv'] as const) {
    it(`applies nothing when the ${format} upload breaks off, and the full batch applies under the same key`, async () => {
      const id = uniqueId();
      const permits = Array.from({ length: 2000 }, (_, n) => outgoing('constructionPermit', `${id}-a${n}`));
      const body = format === 'csv' ? csv(permits) : ndjson(permits);
      const type = format === 'csv' ? CSV : NDJSON;
      const path = `/datasets/constructionPermit/batches/abort-${id}`;
      await sendHalf(path, keys.HOUSING, type, body);
      expect(await countRows('construction_permit', 'permit_no', id, false)).toBe(0);
      const [batch] = await hub.database.sql.unsafe(
        'select count(*)::int as n from sync_batch where batch_key = $1',
        [`abort-${id}`],
      );
      expect(Number(batch.n)).toBe(0);

      const full = await publish(keys.HOUSING, 'constructionPermit', `abort-${id}`, body, type);
      expect(full).toMatchObject({ status: 'APPLIED', replayed: false, received: 2000, inserted: 2000 });
      expect(await countRows('construction_permit', 'permit_no', id)).toBe(2000);
    });
  }
});

describe('connections', () => {
  it('reads and drops the rest of a refused body, so its connection serves the next request', async () => {
    const id = uniqueId();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** Resolves when the response is read and the whole body was sent (so the hub read all of it). */
    const send = (path: string, type: string, body: Buffer) =>
      new Promise<{ status: number; text: string; reused: boolean }>((resolve, reject) => {
        const req = httpRequest(`${hub.url}${path}`, {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${keys.WATER}`,
            'content-type': type,
            'content-length': body.length,
          },
        });
        const sent = new Promise((done) => req.on('finish', done));
        const answered = new Promise<{ status: number; text: string }>((done) =>
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => done({ status: res.statusCode ?? 0, text }));
          }),
        );
        req.on('error', reject);
        req.end(body);
        Promise.all([answered, sent]).then(([reply]) => resolve({ ...reply, reused: req.reusedSocket }));
      });
    // 8 MB behind a header the hub refuses at once: it answers 400 and reads the rest to keep the connection.
    const filler = `${'x,'.repeat(40)}x\n`.repeat(100_000);
    const refused = await send(
      `/datasets/irrigationWell/batches/big-${id}`,
      CSV,
      Buffer.from(`wellCode,colour\n${filler}`),
    );
    expect(refused.status).toBe(400);
    const wells = [outgoing('irrigationWell', `${id}-next`)];
    const next = await send(`/datasets/irrigationWell/batches/next-${id}`, CSV, Buffer.from(csv(wells)));
    expect(next.status).toBe(200);
    expect(JSON.parse(next.text)).toMatchObject({ inserted: 1 });
    expect(next.reused).toBe(true);
    agent.destroy();
  });

  it('serves other requests while an export client stalls, and after it leaves half-way', async () => {
    const id = uniqueId();
    const big = Array.from({ length: 2000 }, (_, n) =>
      outgoing('constructionPermit', `${id}-big${n}`, { projectName: `${id} ${'大'.repeat(3000)}` }),
    );
    await publish(keys.HOUSING, 'constructionPermit', `big-${id}`, ndjson(big));
    // About 18 MB: far more than the socket buffers hold while the client does not read.
    let leave = () => {};
    const stalled = new Promise<void>((resolve) => {
      const req = httpRequest(
        `${hub.url}/datasets/constructionPermit/export`,
        { headers: { authorization: `Bearer ${keys.PLANNING}` } },
        (res) => {
          res.once('data', () => {
            res.pause();
            leave = () => req.destroy();
            resolve();
          });
        },
      );
      req.end();
    });
    await stalled;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing is held between pages: the hub answers on its (embedded: only) database connection.
    const during = await call('GET', '/datasets/constructionPermit/changes?limit=1', keys.PLANNING);
    expect(during.status).toBe(200);
    leave();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await call('GET', '/datasets/constructionPermit/changes?limit=1', keys.PLANNING);
    expect(after.status).toBe(200);
    expect(await countRows('construction_permit', 'permit_no', `${id}-big`)).toBe(2000);
    // Page after page (1000 rows each), every record once.
    const all = lines((await exportOf(keys.HOUSING, 'constructionPermit')).text).map((r) => r.permitNo);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((permitNo) => permitNo.includes(`${id}-big`)).sort()).toEqual(
      big.map((r) => r.permitNo).sort(),
    );
  });
});

describe('export', () => {
  const id = uniqueId();
  const permits = [1, 2, 3, 4].map((n) =>
    outgoing('constructionPermit', `${id}-e${n}`, {
      district: n <= 2 ? '110105' : '110108',
      contactPerson: '李四',
      contactPhone: '13812341234',
    }),
  );
  const plots = [1, 2, 3].map((n) =>
    outgoing('landUseChange', `${id}-g${n}`, {
      boundary: square(116.4 + n / 100, 39.9),
      rightHolderContact: '13900001111',
      district: '110105',
    }),
  );
  const farmland = [1, 2].map((n) => outgoing('farmlandClass', `${id}-f${n}`));
  const pesticide = {
    AGRICULTURE: outgoing('pesticideUse', `${id}-agr`, { applicatorName: '王五' }),
    FORESTRY: outgoing('pesticideUse', `${id}-for`, { applicatorName: '赵六' }),
  };
  const mine = (records: Json[], field: string) => records.filter((r) => String(r[field] ?? '').includes(id));

  withSeed(hub, (s) =>
    s
      // The fourth permit is withdrawn: a tombstone is not exported.
      .records('constructionPermit', [...permits.slice(0, 3), { ...permits[3], deleted: true }])
      .records('landUseChange', plots)
      .records('farmlandClass', farmland)
      .records('pesticideUse', [pesticide.AGRICULTURE, { ...pesticide.FORESTRY, publisher: 'FORESTRY' }]),
  );

  it('streams NDJSON with provenance: the owner reads everything, a consumer masked and without denied fields', async () => {
    const owner = await exportOf(keys.HOUSING, 'constructionPermit');
    expect(owner.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(owner.headers.get('content-disposition')).toBe('attachment; filename=constructionPermit.ndjson');
    const ownRows = mine(lines(owner.text), 'permitNo');
    expect(ownRows).toHaveLength(3);
    expect(ownRows[0]).toEqual({
      ...permits[0],
      provenance: {
        publisher: 'HOUSING',
        sourceRecordId: permits[0].permitNo,
        version: 1,
        lastChangedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });

    const consumer = mine(lines((await exportOf(keys.PLANNING, 'constructionPermit')).text), 'permitNo');
    expect(consumer).toHaveLength(3);
    expect(consumer[0].contactPerson).toBe('李*');
    expect(consumer[0]).not.toHaveProperty('contactPhone');
    expect(consumer[0].projectName).toBe(permits[0].projectName);
  });

  it('keeps a district to its own district’s rows', async () => {
    const all = lines((await exportOf(keys['110105'], 'constructionPermit')).text);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((r) => r.district === '110105')).toBe(true);
    expect(mine(all, 'permitNo').map((r) => r.permitNo)).toEqual([permits[0].permitNo, permits[1].permitNo]);
  });

  it('lets a publisher read its own rows in clear, and nobody else’s', async () => {
    const rows = mine(lines((await exportOf(keys.FORESTRY, 'pesticideUse')).text), 'sourceId');
    const bySource = Object.fromEntries(rows.map((r) => [r.sourceId, r]));
    expect(bySource[pesticide.FORESTRY.sourceId].applicatorName).toBe('赵六');
    expect(bySource[pesticide.AGRICULTURE.sourceId]).not.toHaveProperty('applicatorName');
    // CSV has one header for every row: a column denied at the dataset level is left out.
    const csvText = (await exportOf(keys.FORESTRY, 'pesticideUse', 'csv')).text;
    expect(csvText.split('\n')[0].split(',')).not.toContain('applicatorName');
  });

  it('streams CSV with readable columns only, masked values, and a file that publishes again as it is', async () => {
    const owner = await exportOf(keys.PLANNING, 'landUseChange', 'csv');
    expect(owner.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(owner.headers.get('content-disposition')).toBe('attachment; filename=landUseChange.csv');
    const [header, ...rows] = owner.text.trimEnd().split('\n');
    expect(header.split(',')).toEqual([...Object.keys(dataset('landUseChange').fields), 'sourceRecordId']);
    const ownRows = rows.filter((row) => row.includes(id));
    expect(ownRows).toHaveLength(3);
    const again = await publish(
      keys.PLANNING,
      'landUseChange',
      `again-${id}`,
      `${header}\n${ownRows.join('\n')}\n`,
      CSV,
    );
    expect(again).toMatchObject({
      status: 'APPLIED',
      rejectedCount: 0,
      inserted: 0,
      updated: 0,
      unchanged: 3,
    });

    // Parsed as CSV: the boundary's GeoJSON is a quoted cell with commas in it.
    const housing: string[][] = parseCsv((await exportOf(keys.HOUSING, 'constructionPermit', 'csv')).text);
    const columns = housing[0];
    const row = housing.find((cells) => cells.includes(permits[0].permitNo)) as string[];
    expect(row[columns.indexOf('contactPerson')]).toBe('李四');
    expect(row[columns.indexOf('contactPhone')]).toBe('13812341234');
    const planning: string[][] = parseCsv((await exportOf(keys.PLANNING, 'constructionPermit', 'csv')).text);
    const planningColumns = planning[0];
    expect(planningColumns).not.toContain('contactPhone');
    const planningRow = planning.find((cells) => cells.includes(permits[0].permitNo)) as string[];
    expect(planningRow[planningColumns.indexOf('contactPerson')]).toBe('李*');
    // With bom=true the file starts with a UTF-8 byte-order mark, for Excel (fetch's text() would drop it).
    const bom = await fetch(`${hub.url}/datasets/constructionPermit/export?format=csv&bom=true`, {
      headers: { authorization: `Bearer ${keys.PLANNING}` },
    });
    const bytes = Buffer.from(await bom.arrayBuffer());
    expect(bytes.subarray(0, 12).toString('latin1')).toBe('\xef\xbb\xbfpermitNo,');
  });

  it('streams GeoJSON feature by feature, without geometry a caller may not read', async () => {
    const owner = await exportOf(keys.PLANNING, 'landUseChange', 'geojson');
    expect(owner.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(owner.headers.get('content-disposition')).toBe('attachment; filename=landUseChange.geojson');
    const collection = owner.json;
    expect(collection.type).toBe('FeatureCollection');
    const features = collection.features.filter((f: Json) => f.properties.parcelCode.includes(id));
    expect(features).toHaveLength(3);
    const { boundary, ...properties } = plots[0];
    expect(features[0]).toEqual({ type: 'Feature', geometry: boundary, properties });

    const consumer = (await exportOf(keys.HOUSING, 'landUseChange', 'geojson')).json.features.find(
      (f: Json) => f.properties.parcelCode === plots[0].parcelCode,
    );
    expect(consumer.geometry).toEqual(boundary);
    expect(consumer.properties).not.toHaveProperty('rightHolderContact');

    const hidden = (await exportOf(keys.PLANNING, 'farmlandClass', 'geojson')).json.features.filter(
      (f: Json) => f.properties.parcelCode.includes(id),
    );
    expect(hidden).toHaveLength(2);
    expect(hidden[0].geometry).toBeNull();
    expect(hidden[0].properties).not.toHaveProperty('qualityClass');
    const shown = (await exportOf(keys.AGRICULTURE, 'farmlandClass', 'geojson')).json.features.find(
      (f: Json) => f.properties.parcelCode === farmland[0].parcelCode,
    );
    expect(shown.geometry).toEqual(farmland[0].boundary);
    expect(shown.properties.qualityClass).toBe(farmland[0].qualityClass);
  });
});

describe('the change feed', () => {
  const changesOf = async (key: string, after: string, limit: number) => {
    const reply = await call(
      'GET',
      `/datasets/constructionPermit/changes?after=${after}&limit=${limit}`,
      key,
    );
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const all = lines(reply.text);
    const end = all.pop();
    expect(end).toEqual({ endCursor: expect.any(String), hasMore: expect.any(Boolean) });
    return { changes: all, endCursor: end.endCursor as string, hasMore: end.hasMore as boolean };
  };

  async function endOfFeed(key: string) {
    let page = await changesOf(key, '0', 100_000);
    while (page.hasMore) page = await changesOf(key, page.endCursor, 100_000);
    return page.endCursor;
  }

  it('streams inserts, updates and tombstones after a cursor, resumable with no gap and no repeat', async () => {
    const id = uniqueId();
    const start = await endOfFeed(keys.PLANNING);
    const scenario = permitFeedScenario(id, { contactPhone: '13812341234' });
    await publish(keys.HOUSING, 'constructionPermit', `c1-${id}`, ndjson(scenario.rows));
    await publish(keys.HOUSING, 'constructionPermit', `c2-${id}`, ndjson(scenario.second));

    const whole = await changesOf(keys.PLANNING, start, 100_000);
    const cursors: string[] = [];
    const seen: string[] = [];
    let after = start;
    for (let page = 0; page < 1000; page++) {
      const { changes, endCursor, hasMore } = await changesOf(keys.PLANNING, after, 2);
      expect(changes.length).toBeLessThanOrEqual(2);
      if (changes.length) expect(endCursor).toBe(changes[changes.length - 1].cursor);
      else expect(endCursor).toBe(after);
      for (const change of changes) {
        cursors.push(change.cursor);
        if (change.record.permitNo.includes(id)) {
          expect(change.record).not.toHaveProperty('contactPhone');
          expect(change.record.provenance.publisher).toBe('HOUSING');
          seen.push(`${change.operation}:${change.record.permitNo}:${change.record.contactPerson}`);
        }
      }
      after = endCursor;
      if (!hasMore) break;
    }
    expect(seen).toEqual(scenario.expected);
    // Each once; the pages together are what one read returns (later changes may follow).
    expect(new Set(cursors).size).toBe(cursors.length);
    const wholeCursors = whole.changes.map((c) => c.cursor);
    expect(cursors.slice(0, wholeCursors.length)).toEqual(wholeCursors);
    expect(
      whole.changes.find((c) => c.record.permitNo === scenario.rows[0].permitNo)?.record.floorAreaM2,
    ).toBe(1);
  });

  it('keeps a district to its district in the feed, and ends with the cursor given when nothing is new', async () => {
    const id = uniqueId();
    const start = await endOfFeed(keys['110105']);
    await publish(
      keys.HOUSING,
      'constructionPermit',
      `cd-${id}`,
      ndjson([
        outgoing('constructionPermit', `${id}-in`, { district: '110105' }),
        outgoing('constructionPermit', `${id}-out`, { district: '110108' }),
      ]),
    );
    const { changes } = await changesOf(keys['110105'], start, 100_000);
    expect(changes.every((c) => c.record.district === '110105')).toBe(true);
    expect(changes.filter((c) => c.record.permitNo.includes(id)).map((c) => c.record.permitNo)).toEqual([
      `permitNo-${id}-in`,
    ]);
    const end = await endOfFeed(keys['110105']);
    await publish(
      keys.HOUSING,
      'constructionPermit',
      `ce-${id}`,
      ndjson([outgoing('constructionPermit', `${id}-out2`, { district: '110108' })]),
    );
    expect(await changesOf(keys['110105'], end, 10)).toEqual({ changes: [], endCursor: end, hasMore: false });
  });
});
