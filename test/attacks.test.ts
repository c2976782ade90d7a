import { connect } from 'node:net';
import { getIntrospectionQuery, parse } from 'graphql';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { datasets } from '../src/catalog/registry.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { sessionParameters } from '../src/db/connection.js';
import { schema } from '../src/graphql/schema.js';
import { formatError } from '../src/http/errors.js';
import { estimatedCost, MAX_DOCUMENT_LENGTH, pageSizeEstimator } from '../src/http/limits.js';
import { withTestHub } from './support/hub.js';

// Apollo shows stack traces outside production unless told not to: the whole file runs as development.
process.env.NODE_ENV = 'development';

const hub = withTestHub();
const limits = DEFAULT_LIMITS.query;
let key: string;

beforeAll(async () => {
  key = await hub.key('PLANNING');
});

const DATASET_TABLES = datasets.map((dataset) => dataset.table);

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  /** SQL statements the request sent that touch a dataset table: none, if it was refused before execution. */
  datasetStatements: string[];
}

/** Sends a raw request to /graphql (with the key unless `withKey` is false) and reads the JSON answer. */
async function send(
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; search?: string },
  withKey = true,
): Promise<Answer> {
  hub.database.statements.length = 0;
  const response = await fetch(`${hub.url}/graphql${init.search ?? ''}`, {
    method: init.method ?? 'POST',
    headers: { ...(withKey ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  expect(text, 'no stack trace, whatever NODE_ENV says').not.toMatch(/stacktrace|\bat .*\.[jt]s:\d+/);
  const datasetStatements = hub.database.statements.filter((statement) =>
    DATASET_TABLES.some((table) => statement.includes(`"${table}"`)),
  );
  return { status: response.status, headers: response.headers, body: JSON.parse(text), datasetStatements };
}

const postJson = (payload: unknown, withKey = true) =>
  send({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, withKey);

/** The request was refused before execution: the status, one error with `code` (and `reason`), no data. */
function expectRefused(answer: Answer, status: number, code: string, reason?: string): string {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.data, 'no data: nothing executed').toBeUndefined();
  expect(answer.datasetStatements, 'no SQL on any dataset table').toEqual([]);
  const [error] = answer.body.errors ?? [];
  expect(error?.extensions?.code, JSON.stringify(answer.body)).toBe(code);
  if (reason) expect(error.extensions?.reason).toBe(reason);
  expect(error.message).not.toMatch(/Did you mean/);
  return error.message;
}

/** `{ a { b { a { b … } } } }` through cross-links: landUseChange ↔ constructionPermit. */
function nested(levels: number): string {
  let selection = 'parcelCode';
  for (let i = 0; i < levels; i++) {
    selection =
      i % 2 === 0
        ? `constructionPermits { permitNo landUseChange { ${selection} } }`
        : `constructionPermits { landUseChange { parcelCode ${selection} } }`;
  }
  return `{ landUseChanges(first: 1) { nodes { ${selection} } } }`;
}

describe('query limits: refused before execution', () => {
  it('refuses deep nesting', async () => {
    const message = expectRefused(
      await postJson({ query: nested(limits.depth) }),
      400,
      'BAD_USER_INPUT',
      'MAX_DEPTH',
    );
    expect(message).toMatch(new RegExp(`more than the limit of ${limits.depth}`));
  });

  it('refuses an alias flood', async () => {
    const aliases = Array.from({ length: limits.aliases + 1 }, (_, i) => `a${i}: me { code }`).join(' ');
    const answer = await postJson({ query: `{ ${aliases} }` });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'MAX_ALIASES');
    expect(answer.body.errors?.[0].extensions).toMatchObject({
      limit: limits.aliases,
      found: limits.aliases + 1,
    });
  });

  it('refuses an alias flood of costly fields that stays under the alias limit', async () => {
    const aliases = Array.from(
      { length: 150 },
      (_, i) => `a${i}: landUseChanges(first: 1000) { nodes { parcelCode address district } }`,
    ).join(' ');
    expectRefused(await postJson({ query: `{ ${aliases} }` }), 400, 'BAD_USER_INPUT', 'MAX_COST');
  });

  it('counts the rest of the query when one field’s arguments do not coerce', async () => {
    const aliases = Array.from(
      { length: 150 },
      (_, i) => `a${i}: landUseChanges(first: 1000) { nodes { parcelCode address district } }`,
    ).join(' ');
    const query = `query Bypass($permitNo: String = "x") { constructionPermit(permitNo: $permitNo) { permitNo } ${aliases} }`;
    expectRefused(
      await postJson({ query, variables: { permitNo: null } }),
      400,
      'BAD_USER_INPUT',
      'MAX_COST',
    );
  });

  it('counts an aggregate without `first` as its default of 1000 groups, like one that asks for them', () => {
    const cost = (first: string) =>
      estimatedCost(
        schema,
        pageSizeEstimator(schema),
        parse(`{ pesticideUseAggregate${first} { groups { count keys { district } } } }`),
        undefined,
        undefined,
      );
    expect(cost('')).toBe(cost('(first: 1000)'));
    expect(cost('')).toBeGreaterThan(10 * cost('(first: 10)'));
  });

  it('counts page sizes given in variables in the cost', async () => {
    const links =
      'constructionPermits { landUseChange { constructionPermits { landUseChange { overlappingRegisterSites { siteCode name status pollutants } } } } }';
    const query = `query Pages($first: Int) { landUseChanges(first: $first) { nodes { ${links} } } }`;
    expectRefused(await postJson({ query, variables: { first: 1000 } }), 400, 'BAD_USER_INPUT', 'MAX_COST');
    const small = await postJson({ query, variables: { first: 10 } });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    // the same document again: its cost is worked out from each request's variables
    expectRefused(await postJson({ query, variables: { first: 1000 } }), 400, 'BAD_USER_INPUT', 'MAX_COST');
  });

  it('counts variables in directives, and a variable’s default, in the cost kept with a document', async () => {
    const costly = Array.from(
      { length: 150 },
      (_, i) => `a${i}: landUseChanges(first: $first) { nodes { parcelCode address district } }`,
    ).join(' ');
    const query = `query Switch($all: Boolean!, $first: Int = 1000, $permitNo: String!) {
      constructionPermit(permitNo: $permitNo) { permitNo }
      ... @include(if: $all) { ${costly} } }`;
    for (let round = 0; round < 2; round++) {
      // the lookup's own variable changes nothing in the cost; the others do
      const cheap = await postJson({ query, variables: { all: false, permitNo: `P-${round}` } });
      expect(cheap.status).toBe(200);
      expect(cheap.body.errors).toBeUndefined();
      expectRefused(
        await postJson({ query, variables: { all: true, permitNo: `P-${round}` } }),
        400,
        'BAD_USER_INPUT',
        'MAX_COST',
      );
      // a page size given counts as given; an absent one as the variable's default, 1000
      const explicit = await postJson({ query, variables: { all: true, first: 1, permitNo: 'P' } });
      expect(explicit.status).toBe(200);
      expectRefused(
        await postJson({ query, variables: { all: true, permitNo: 'P' } }),
        400,
        'BAD_USER_INPUT',
        'MAX_COST',
      );
    }
  });

  it('costs each operation of a document on its own, however often the document comes', async () => {
    const costly = Array.from(
      { length: 150 },
      (_, i) => `a${i}: landUseChanges(first: 1000) { nodes { parcelCode address district } }`,
    ).join(' ');
    const query = `query Cheap { landUseChanges(first: 1) { nodes { parcelCode } } } query Costly { ${costly} }`;
    for (let round = 0; round < 2; round++) {
      const cheap = await postJson({ query, operationName: 'Cheap' });
      expect(cheap.status).toBe(200);
      expect(cheap.body.errors).toBeUndefined();
      expectRefused(await postJson({ query, operationName: 'Costly' }), 400, 'BAD_USER_INPUT', 'MAX_COST');
    }
  });

  it('refuses deeply nested introspection (graphql-js caps its lists at 3 levels)', async () => {
    const query = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    const message = expectRefused(
      await postJson({ query }),
      400,
      'BAD_USER_INPUT',
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(message).toMatch(/Maximum introspection depth exceeded/);
  });

  it('refuses fragment cycles', async () => {
    const query = `
      query Cycle { me { ...A } }
      fragment A on Principal { code ...B }
      fragment B on Principal { nameZh ...A }`;
    const message = expectRefused(
      await postJson({ query }),
      400,
      'BAD_USER_INPUT',
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('refuses an exponential fragment fan-out quickly', async () => {
    const levels = 24;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Principal { code }`
        : `fragment F${i} on Principal { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const started = Date.now();
    expectRefused(
      await postJson({ query: `query Laughs { me { ...F0 } }\n${fragments}` }),
      400,
      'BAD_USER_INPUT',
      'MAX_COST',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a token flood', async () => {
    const query = `{ me { ${'code '.repeat(limits.tokens)} } }`;
    const message = expectRefused(await postJson({ query }), 400, 'BAD_USER_INPUT', 'MAX_TOKENS');
    expect(message).toMatch(new RegExp(`more than ${limits.tokens} tokens`));
  });

  it('refuses a directive flood', async () => {
    const fields = Array.from({ length: limits.directives + 1 }, () => 'code @include(if: true)').join(' ');
    expectRefused(await postJson({ query: `{ me { ${fields} } }` }), 400, 'BAD_USER_INPUT', 'MAX_DIRECTIVES');
  });

  it('refuses a huge string in the document', async () => {
    const search = 'x'.repeat(MAX_DOCUMENT_LENGTH);
    const message = expectRefused(
      await postJson({ query: `{ landUseChanges(filter: { search: "${search}" }) { totalCount } }` }),
      400,
      'BAD_USER_INPUT',
      'MAX_LENGTH',
    );
    expect(message).toMatch(/pass long values as variables/);
  });

  it('refuses an unknown operation name', async () => {
    const message = expectRefused(
      await postJson({ query: 'query Mine { me { code } }', operationName: 'Theirs' }),
      400,
      'BAD_USER_INPUT',
      'OPERATION_RESOLUTION_FAILURE',
    );
    expect(message).toMatch(/Unknown operation named "Theirs"/);
  });
});

describe('HTTP: refused before execution', () => {
  it('refuses batched query arrays', async () => {
    const message = expectRefused(
      await postJson([{ query: '{ me { code } }' }, { query: '{ me { code } }' }]),
      400,
      'BAD_USER_INPUT',
      'BAD_REQUEST',
    );
    expect(message).toMatch(/batching/i);
  });

  it('refuses mutations over GET', async () => {
    const query = encodeURIComponent(
      'mutation { revokeAccess(id: "00000000-0000-0000-0000-000000000000", reason: "x") { status } }',
    );
    const answer = await send({
      method: 'GET',
      search: `?query=${query}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    const message = expectRefused(answer, 405, 'BAD_USER_INPUT', 'BAD_REQUEST');
    expect(message).toMatch(/GET requests only support query operations/);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('marks every answer, GET or POST, refused or not, as not to be cached', async () => {
    const get = await send({
      method: 'GET',
      search: `?query=${encodeURIComponent('{ me { code } }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(get.body.errors).toBeUndefined();
    const answers = [get, await postJson({ query: '{ me { code } }' }), await postJson({ query: '{' })];
    for (const answer of answers) expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a GET without a preflight header as a possible CSRF', async () => {
    const answer = await send({ method: 'GET', search: `?query=${encodeURIComponent('{ me { code } }')}` });
    expect(expectRefused(answer, 400, 'BAD_USER_INPUT', 'BAD_REQUEST')).toMatch(/Cross-Site Request Forgery/);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
  ])('refuses %s POST as a possible CSRF', async (_kind, contentType) => {
    const answer = await send({
      headers: { 'content-type': contentType },
      body: '{"query":"{ me { code } }"}',
    });
    expect(expectRefused(answer, 400, 'BAD_USER_INPUT', 'BAD_REQUEST')).toMatch(/Cross-Site Request Forgery/);
  });

  it('refuses introspection without a key', async () => {
    const answer = await postJson({ query: getIntrospectionQuery() }, false);
    expectRefused(answer, 401, 'UNAUTHENTICATED');
  });

  it('refuses invalid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"{ landUseChanges(filter: { search: \\"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('\\" }) { totalCount } }"}'),
    ]);
    const answer = await send({ headers: { 'content-type': 'application/json' }, body });
    expect(expectRefused(answer, 400, 'BAD_USER_INPUT', 'INVALID_UTF8')).toMatch(/not valid UTF-8/);
  });

  it('refuses invalid JSON', async () => {
    const answer = await send({
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ me { code } }"',
    });
    expect(expectRefused(answer, 400, 'BAD_USER_INPUT', 'INVALID_JSON')).toMatch(/not valid JSON/);
  });

  it('refuses an oversized body', async () => {
    const padding = 'x'.repeat(DEFAULT_LIMITS.bodyBytes);
    const answer = await postJson({ query: '{ me { code } }', variables: { padding } });
    expect(expectRefused(answer, 413, 'BAD_USER_INPUT', 'BODY_TOO_LARGE')).toMatch(
      /larger than the limit of 8 MB/,
    );
  });
});

describe('what the hub itself sends still passes', () => {
  it('answers GraphiQL’s introspection query for a key holder', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const answer = await postJson({ query });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(
      50,
    );
  });

  it('answers a full page of 1000 rows with their fields', async () => {
    const answer = await postJson({
      query:
        '{ constructionPermits(first: 1000) { totalCount nodes { permitNo projectName district issuedOn provenance { sourceRecordId } } } }',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('still reports a page size over 1000 as the resolver does, not as a cost', async () => {
    const answer = await postJson({ query: '{ landUseChanges(first: 100000) { totalCount } }' });
    expect(answer.body.errors?.[0].message).toMatch(/at most 1000/);
  });
});

describe('rate limit per principal', () => {
  const limited = withTestHub({ limits: { ...DEFAULT_LIMITS, ratePerMinute: 3 } });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, and leaves health checks alone', async () => {
    const [mine, theirs] = [await limited.key('WATER'), await limited.key('HOUSING')];
    for (let i = 0; i < 3; i++) expect((await limited.graphql(mine, '{ me { code } }')).status).toBe(200);
    const refused = await limited.graphql(mine, '{ me { code } }');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.body.errors?.[0].message).toMatch(/at most 3 a minute/);
    // and audited, as the principal's refused request
    const [record] = await limited.database.sql<{ principal: string; outcome: string }[]>`
      select principal, outcome from audit_log where request_id = ${refused.headers.get('x-request-id')}`;
    expect(record).toEqual({ principal: 'WATER', outcome: 'RATE_LIMITED' });
    // the bulk endpoints count too
    const bulk = await fetch(`${limited.url}/datasets/constructionPermit/changes?limit=1`, {
      headers: { authorization: `Bearer ${mine}` },
    });
    expect(bulk.status).toBe(429);
    expect(bulk.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await bulk.json()) as Answer['body']).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    // another principal, and health checks, are not affected
    expect((await limited.graphql(theirs, '{ me { code } }')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
  });
});

describe('timeouts', () => {
  const slow = withTestHub({ limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 300 } });

  it('keeps an idle connection 65 s and says so, so that a client closes its side first', async () => {
    const answer = await fetch(`${hub.url}/healthz`);
    expect(answer.headers.get('keep-alive')).toBe('timeout=65');
    await answer.body?.cancel();
  });

  it('answers 408 TIMEOUT to a /graphql body that does not arrive in time, and closes the connection', async () => {
    const { port } = new URL(slow.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toMatch(/"code":"TIMEOUT"/);
  });

  it('audits a request the deadline answered as TIMEOUT, the outcome its client got', async () => {
    const slowKey = await slow.key('WATER');
    const ask = (requestId: string) =>
      fetch(`${slow.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${slowKey}`,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query: 'query Late { me { code } }' }),
      });
    const outcomeOf = async (requestId: string) => {
      const rows = await slow.database.sql<{ outcome: string }[]>`
        select outcome from audit_log where request_id = ${requestId}`;
      return rows.map((row) => row.outcome).join(',');
    };
    const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

    // Every connection of the hub's pool held elsewhere: the request waits for one past its 300 ms deadline.
    const pool = inject('databaseKind') === 'embedded' ? 1 : 4;
    const held = await Promise.all(Array.from({ length: pool }, () => slow.database.sql.reserve()));
    let late: Response;
    try {
      late = await ask(`late-${run}`);
    } finally {
      for (const connection of held) connection.release();
    }
    expect(late.status).toBe(503);
    expect(((await late.json()) as Answer['body']).errors?.[0].extensions?.code).toBe('TIMEOUT');
    // the request goes on once it has a connection, and its record names what the client got
    await expect.poll(() => outcomeOf(`late-${run}`), { timeout: 10_000, interval: 100 }).toBe('TIMEOUT');

    const inTime = await ask(`in-time-${run}`);
    expect(((await inTime.json()) as Answer['body']).data).toEqual({ me: { code: 'WATER' } });
    await expect.poll(() => outcomeOf(`in-time-${run}`), { timeout: 10_000, interval: 100 }).toBe('OK');

    // An answer whose record is being committed when the deadline passes goes out once it is (within the
    // grace), and its record names it: here a refusal for a missing key, held up by the busy pool.
    const again = await Promise.all(Array.from({ length: pool }, () => slow.database.sql.reserve()));
    const refused = fetch(`${slow.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `no-key-${run}` },
      body: JSON.stringify({ query: 'query NoKey { me { code } }' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const connection of again) connection.release();
    const answer = await refused;
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as Answer['body']).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await outcomeOf(`no-key-${run}`)).toBe('UNAUTHENTICATED');
  });

  it('reports a statement past the statement timeout as TIMEOUT, not as an internal error', () => {
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    });
    const formatted = formatError({ message: cancelled.message, path: ['landUseChanges'] }, cancelled);
    expect(formatted.extensions?.code).toBe('TIMEOUT');
    expect(formatted.message).toMatch(/took too long/);
  });

  describe('statement timeout of the hub’s connections', () => {
    const sql = postgres(inject('databaseUrl'), {
      max: 1,
      onnotice: () => {},
      connection: sessionParameters(200),
    });
    afterAll(() => sql.end({ timeout: 5 }));

    it.runIf(inject('databaseKind') === 'server')(
      'cancels a statement that runs too long on a server',
      async () => {
        await expect(sql`select pg_sleep(2)`).rejects.toMatchObject({ code: '57014' });
        expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
      },
    );

    it.runIf(inject('databaseKind') === 'server')('runs without JIT compilation on a server', async () => {
      const [{ jit }] = await sql`show jit`;
      expect(jit).toBe('off');
    });

    it.runIf(inject('databaseKind') === 'embedded')(
      'leaves embedded PGlite working (it has no timer)',
      async () => {
        const [{ statement_timeout }] = await sql`show statement_timeout`;
        expect(statement_timeout).toBe('0');
        expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
      },
    );
  });
});
