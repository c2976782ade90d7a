import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, type HubLimits, loadConfig, type UploadLimits } from '../src/config.js';
import { type TestHub, withTestHub } from './support/hub.js';
import { outgoingRecord, uniqueId } from './support/records.js';

/**
 * Issue 11, item 3: one slow or compressed upload must not stall the hub. A body is bounded in size
 * (inflated) and expansion, must keep arriving, and publishes are bounded in number; other callers are
 * answered in normal time while uploads are in flight. Each hub here has its own limits.
 */

const NDJSON = 'application/x-ndjson';

const outgoing = (id: string) => outgoingRecord('constructionPermit', id);

const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const permitBatch = (id: string, count: number) =>
  ndjson(Array.from({ length: count }, (_, n) => outgoing(`${id}-${n}`)));

function limitsWith(upload: Partial<UploadLimits>, publishes = DEFAULT_LIMITS.publishes): HubLimits {
  // No rate limit: the tests send many requests from one principal.
  return { ...DEFAULT_LIMITS, ratePerMinute: 0, upload: { ...DEFAULT_LIMITS.upload, ...upload }, publishes };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the hub's JSON answer, checked by the assertions
  json: any;
  /** Milliseconds from the start of the upload to the end of the answer. */
  ms: number;
}

interface Upload {
  /** The hub's answer; rejects if the connection fails before one. */
  answer: Promise<Answer>;
  /** Milliseconds from the start of the upload to the end of its connection. */
  closed: Promise<number>;
  write(bytes: Uint8Array | string): Promise<void>;
  end(bytes?: Uint8Array | string): void;
  /** Drops the connection (a client that gives up). */
  destroy(): void;
}

/** Starts a publish whose body the test writes piece by piece (chunked unless a content-length is given). */
function startUpload(
  hub: TestHub,
  key: string,
  batchKey: string,
  headers: Record<string, string | number> = {},
): Upload {
  const started = performance.now();
  const req = httpRequest(`${hub.url}/datasets/constructionPermit/batches/${batchKey}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': NDJSON, ...headers },
  });
  // A hub that answers early and closes may reset the connection under a write: the answer counts.
  req.on('error', () => {});
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('close', () => reject(new Error('connection closed without an answer')));
  });
  answer.catch(() => {});
  const closed = new Promise<number>((resolve) =>
    req.on('close', () => resolve(performance.now() - started)),
  );
  return {
    answer,
    closed,
    write: (bytes) =>
      new Promise((resolve) => {
        if (req.destroyed) return resolve();
        req.write(bytes, () => resolve());
      }),
    end: (bytes) => {
      if (!req.destroyed) req.end(bytes);
    },
    destroy: () => req.destroy(),
  };
}

/** The answer, or a failure once `ms` have passed without one. */
async function within<T>(answer: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Permits of a test id in the table, and whether its batch key was recorded: what a publish applied. */
async function applied(hub: TestHub, id: string, batchKey: string) {
  const [rows] = await hub.database.sql.unsafe(
    'select count(*)::int as n from construction_permit where permit_no like $1',
    [`%${id}%`],
  );
  const [batches] = await hub.database.sql.unsafe(
    'select count(*)::int as n from sync_batch where batch_key = $1',
    [batchKey],
  );
  return { rows: Number(rows.n), batches: Number(batches.n) };
}

/**
 * A gzip body: `records`, then `inflatedMiB` of newlines (blank lines, which NDJSON skips), as gzip members
 * one after the other (one compressed MiB repeated: quick to build, and valid gzip).
 */
function gzipBomb(records: string, inflatedMiB: number): Buffer {
  const mebibyte = gzipSync(Buffer.alloc(1024 * 1024, 0x0a), { level: 9 });
  return Buffer.concat([gzipSync(records), ...Array.from({ length: inflatedMiB }, () => mebibyte)]);
}

describe('size: the inflated body and its expansion are bounded', () => {
  const hub = withTestHub({ limits: limitsWith({ maxBytes: 256 * 1024 }) });
  const defaults = withTestHub({ limits: limitsWith({}) });
  let key: string;
  let defaultsKey: string;
  beforeAll(async () => {
    key = await hub.key('HOUSING');
    defaultsKey = await defaults.key('HOUSING');
  });

  it('refuses a gzip bomb (0.5 MB inflating to 512 MiB) quickly with 413, and applies nothing', async () => {
    const id = uniqueId();
    const batchKey = `bomb-${id}`;
    const bomb = gzipBomb(permitBatch(id, 3), 512);
    expect(bomb.length).toBeLessThan(640 * 1024);
    const upload = startUpload(defaults, defaultsKey, batchKey, {
      'content-encoding': 'gzip',
      'content-length': bomb.length,
    });
    upload.end(bomb);
    const answer = await within(upload.answer, 20_000, 'gzip bomb');
    expect(answer.status, JSON.stringify(answer.json)).toBe(413);
    expect(answer.json.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EXPANSION_TOO_HIGH',
      limit: DEFAULT_LIMITS.upload.maxExpansion,
    });
    expect(answer.json.errors[0].message).toMatch(
      /膨胀.*\/ The compressed body inflates to more than 200 times/,
    );
    // Refused after its first few MB inflated, not after 512 MiB.
    expect(answer.ms).toBeLessThan(3_000);
    expect(await applied(defaults, id, batchKey)).toEqual({ rows: 0, batches: 0 });
  });

  it('accepts a gzip body that compresses as department exports do', async () => {
    const id = uniqueId();
    const batchKey = `zip-${id}`;
    const body = gzipSync(permitBatch(id, 500));
    const upload = startUpload(defaults, defaultsKey, batchKey, { 'content-encoding': 'gzip' });
    upload.end(body);
    const answer = await within(upload.answer, 20_000, 'gzip body');
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ status: 'APPLIED', inserted: 500 });
  });

  it('refuses a body larger than the limit (declared, streamed, or inflated) with 413, and applies nothing', async () => {
    const id = uniqueId();
    const body = Buffer.from(permitBatch(id, 1000));
    expect(body.length).toBeGreaterThan(256 * 1024);
    const bodies: [string, Record<string, string | number>, Buffer][] = [
      ['declared', { 'content-length': body.length }, body],
      ['streamed', {}, body],
      ['inflated', { 'content-encoding': 'gzip' }, gzipSync(body)],
    ];
    for (const [how, headers, bytes] of bodies) {
      const batchKey = `big-${how}-${id}`;
      const upload = startUpload(hub, key, batchKey, headers);
      upload.end(bytes);
      const answer = await within(upload.answer, 10_000, `${how} body over the limit`);
      expect(answer.status, `${how}: ${JSON.stringify(answer.json)}`).toBe(413);
      expect(answer.json.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'UPLOAD_TOO_LARGE',
        limit: 256 * 1024,
      });
      expect(answer.json.errors[0].message).toMatch(
        /上限 256 KB.*The upload is larger than the limit of 256 KB/,
      );
      expect(await applied(hub, id, batchKey)).toEqual({ rows: 0, batches: 0 });
    }
  });
});

describe('a refused upload that goes on sending', () => {
  const hub = withTestHub({ limits: limitsWith({ maxBytes: 256 * 1024 }) });
  let key: string;
  beforeAll(async () => {
    key = await hub.key('HOUSING');
  });

  it('gets its answer, and the hub hangs up after reading on for at most 2 s', async () => {
    const id = uniqueId();
    const upload = startUpload(hub, key, `on-${id}`);
    const lines = permitBatch(id, 200);
    let stop = false;
    let sent = 0;
    const sending = (async () => {
      // About 1.6 MB/s for up to 8 s: far past the limit, and on after the answer.
      for (let i = 0; i < 400 && !stop; i++) {
        await upload.write(lines.slice(0, 32 * 1024));
        sent += 32 * 1024;
        await sleep(20);
      }
    })();
    const answer = await within(upload.answer, 5_000, 'an upload over the limit');
    expect(answer.status, JSON.stringify(answer.json)).toBe(413);
    expect(answer.json.errors[0].extensions.reason).toBe('UPLOAD_TOO_LARGE');
    const closedAt = await within(upload.closed, 5_000, 'the hub hanging up');
    stop = true;
    await sending;
    expect(closedAt - answer.ms).toBeLessThan(3_000);
    expect(sent).toBeLessThan(400 * 32 * 1024);
    expect(await applied(hub, id, `on-${id}`)).toEqual({ rows: 0, batches: 0 });
  });
});

describe('pace: an upload that stops or trickles is cut', () => {
  const hub = withTestHub({ limits: limitsWith({ idleTimeoutMs: 1_000, minBytesPerSecond: 10 * 1024 }) });
  let key: string;
  beforeAll(async () => {
    key = await hub.key('HOUSING');
  });

  it('cuts a body that stalls half-way at the idle timeout with 408, and applies nothing', async () => {
    const id = uniqueId();
    const batchKey = `stall-${id}`;
    const body = permitBatch(id, 200);
    const upload = startUpload(hub, key, batchKey);
    await upload.write(body.slice(0, body.lastIndexOf('\n', body.length / 2) + 1));
    const answer = await within(upload.answer, 5_000, 'a stalled upload');
    expect(answer.status, JSON.stringify(answer.json)).toBe(408);
    expect(answer.json.errors[0].extensions).toMatchObject({ code: 'TIMEOUT', reason: 'UPLOAD_IDLE' });
    expect(answer.json.errors[0].message).toMatch(
      /1 秒内未收到数据.*nothing arrived for 1 s; nothing was applied/,
    );
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    upload.destroy();
    expect(await applied(hub, id, batchKey)).toEqual({ rows: 0, batches: 0 });
  });

  it('cuts a body that trickles slower than the minimum rate with 408, and applies nothing', async () => {
    const id = uniqueId();
    const batchKey = `trickle-${id}`;
    const lines = permitBatch(id, 100).split('\n');
    const upload = startUpload(hub, key, batchKey);
    let answered = false;
    upload.answer.then(
      () => {
        answered = true;
      },
      () => {},
    );
    // One record (about 330 bytes) every 200 ms: never idle for 1 s, but far below 10 KB/s.
    for (const line of lines) {
      if (answered) break;
      await upload.write(`${line}\n`);
      await sleep(200);
    }
    const answer = await within(upload.answer, 5_000, 'a trickling upload');
    expect(answer.status, JSON.stringify(answer.json)).toBe(408);
    expect(answer.json.errors[0].extensions).toMatchObject({ code: 'TIMEOUT', reason: 'UPLOAD_TOO_SLOW' });
    expect(answer.json.errors[0].message).toMatch(/平均低于 10 KB\/s.*below 10 KB\/s on average/);
    // The grace (1 s of waiting) and a little more, not the 20 s the whole trickle would take.
    expect(answer.ms).toBeLessThan(4_000);
    upload.destroy();
    expect(await applied(hub, id, batchKey)).toEqual({ rows: 0, batches: 0 });
  });

  it('does not count the time the hub itself takes against a steady upload', async () => {
    const id = uniqueId();
    const batchKey = `steady-${id}`;
    const body = permitBatch(id, 3000);
    const upload = startUpload(hub, key, batchKey);
    // About 1 MB in 64 KB pieces 50 ms apart: 1.3 MB/s, for about a second.
    for (let at = 0; at < body.length; at += 64 * 1024) {
      await upload.write(body.slice(at, at + 64 * 1024));
      await sleep(50);
    }
    upload.end();
    const answer = await within(upload.answer, 20_000, 'a steady upload');
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ status: 'APPLIED', inserted: 3000 });
  });
});

describe('other callers while uploads stall mid-body', () => {
  const STALLED = 4;
  const hub = withTestHub({ limits: limitsWith({ idleTimeoutMs: 20_000 }, STALLED + 1) });
  let key: string;
  let reader: string;
  beforeAll(async () => {
    key = await hub.key('HOUSING');
    reader = await hub.key('PLANNING');
  });

  async function timedQuery(): Promise<number> {
    const started = performance.now();
    const response = await hub.graphql(reader, '{ constructionPermits(first: 5) { nodes { permitNo } } }');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    return performance.now() - started;
  }

  it('answers /graphql queries in normal time, and the stalled uploads apply nothing', async () => {
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) baseline.push(await timedQuery());
    const id = uniqueId();
    const uploads = Array.from({ length: STALLED }, (_, n) => {
      const upload = startUpload(hub, key, `held-${n}-${id}`);
      const body = permitBatch(`${id}-${n}`, 200);
      void upload.write(body.slice(0, body.lastIndexOf('\n', body.length / 2) + 1));
      return upload;
    });
    try {
      await sleep(500);
      const during: number[] = [];
      for (let i = 0; i < 10; i++) {
        during.push(await within(timedQuery(), 5_000, 'a query'));
      }
      // Normal time: a few tens of ms here; a query waiting for a held database would take seconds.
      expect(
        Math.max(...during),
        `baseline ${baseline.map(Math.round)}, during ${during.map(Math.round)}`,
      ).toBeLessThan(Math.max(1_000, 5 * Math.max(...baseline)));
    } finally {
      for (const upload of uploads) upload.destroy();
    }
    await sleep(300);
    for (let n = 0; n < STALLED; n++) {
      expect(await applied(hub, `${id}-${n}-`, `held-${n}-${id}`)).toEqual({ rows: 0, batches: 0 });
    }
  });
});

describe('publishes at once are bounded', () => {
  const hub = withTestHub({ limits: limitsWith({ idleTimeoutMs: 20_000 }, 2) });
  let key: string;
  beforeAll(async () => {
    key = await hub.key('HOUSING');
  });

  it('answers 503 with Retry-After beyond the limit, on the bulk endpoint and the GraphQL publish, until a slot frees', async () => {
    const id = uniqueId();
    const held = [0, 1].map((n) => {
      const upload = startUpload(hub, key, `slot-${n}-${id}`);
      void upload.write(`${JSON.stringify(outgoing(`${id}-h${n}`))}\n`);
      return upload;
    });
    try {
      await sleep(500);
      const third = startUpload(hub, key, `slot-2-${id}`);
      third.end(permitBatch(`${id}-t`, 1));
      const refused = await within(third.answer, 5_000, 'a publish beyond the limit');
      expect(refused.status, JSON.stringify(refused.json)).toBe(503);
      expect(refused.headers['retry-after']).toBe('15');
      expect(refused.json.errors[0].extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'TOO_MANY_PUBLISHES',
        retryAfter: 15,
      });
      expect(refused.json.errors[0].message).toMatch(
        /发布已达上限（2 个）.*at most 2 at once\): try again in 15 s/,
      );

      const mutation = await hub.graphql(
        key,
        'mutation($records: [JSONObject!]!) { publish(dataset: "constructionPermit", batchKey: "g", records: $records) { status } }',
        { records: [outgoing(`${id}-g`)] },
      );
      expect(mutation.body.errors?.[0]?.extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'TOO_MANY_PUBLISHES',
      });
      expect(mutation.status).toBe(503);
      expect(mutation.headers.get('retry-after')).toBe('15');
    } finally {
      for (const upload of held) upload.destroy();
    }
    await sleep(300);
    const after = startUpload(hub, key, `slot-3-${id}`);
    after.end(permitBatch(`${id}-a`, 1));
    const answer = await within(after.answer, 10_000, 'a publish once slots are free');
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ status: 'APPLIED', inserted: 1 });
  });
});

describe('settings', () => {
  it('reads the upload limits from the environment, publishes defaulting to half the pool', () => {
    const config = loadConfig({
      JINGTU_MAX_UPLOAD: '2gb',
      JINGTU_MAX_EXPANSION: '50',
      JINGTU_UPLOAD_IDLE_TIMEOUT: '120',
      JINGTU_UPLOAD_MIN_RATE: '0',
      JINGTU_DB_POOL: '4',
    });
    expect(config.limits?.upload).toEqual({
      maxBytes: 2 * 1024 ** 3,
      maxExpansion: 50,
      idleTimeoutMs: 120_000,
      minBytesPerSecond: 0,
    });
    expect(config.limits?.publishes).toBe(2);
    expect(loadConfig({ JINGTU_MAX_PUBLISHES: '3' }).limits?.publishes).toBe(3);
    expect(loadConfig({}).limits).toMatchObject({ upload: DEFAULT_LIMITS.upload, publishes: 5 });
  });

  it.each([
    [{ JINGTU_MAX_UPLOAD: 'huge' }, /JINGTU_MAX_UPLOAD="huge" must be a size/],
    [{ JINGTU_MAX_EXPANSION: '1' }, /JINGTU_MAX_EXPANSION="1" must be at least 2/],
    [{ JINGTU_UPLOAD_MIN_RATE: 'fast' }, /JINGTU_UPLOAD_MIN_RATE="fast" must be a size per second/],
    [{ JINGTU_MAX_PUBLISHES: '0' }, /JINGTU_MAX_PUBLISHES="0" must be at least 1/],
  ])('refuses %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
