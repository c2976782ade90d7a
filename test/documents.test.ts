import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKey } from '../src/access/keys.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { checkManifest } from '../src/documents/check.js';
import {
  APOLLO_FORMAT,
  documentId,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_ENTRIES,
} from '../src/documents/manifest.js';
import { registerDocuments } from '../src/documents/store.js';
import { schema } from '../src/graphql/schema.js';
import { MAX_DOCUMENT_LENGTH } from '../src/http/limits.js';
import { withTestHub } from './support/hub.js';
import { uniqueId } from './support/records.js';

/**
 * Issue 17, part 3: trusted documents. A principal's systems run registered documents by id (The Guild's
 * `documentId`, Apollo's `extensions.persistedQuery`); a documents-only key runs nothing else; another
 * principal's documents are not found; analysts' keys keep free text; runs are audited by id and name.
 */

const hub = withTestHub();
const uid = uniqueId();
const limits = DEFAULT_LIMITS.query;
const folder = mkdtempSync(join(tmpdir(), 'jingtu-documents-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const whoAmI = `query WhoAmI${uid} { me { code kind } }`;
const wells = `query Wells${uid}($first: Int) { irrigationWells(first: $first) { nodes { ...Well${uid} } } }
fragment Well${uid} on IrrigationWell { wellCode district }`;
const planningOnly = `query PlanningOnly${uid} { me { code } }`;

const apolloManifest = (...bodies: string[]) => ({
  format: APOLLO_FORMAT,
  version: 1,
  operations: bodies.map((body) => {
    const [, type, name] = body.match(/^(query|mutation) (\w+)/) as string[];
    return { id: documentId(body), name, type, body };
  }),
});
const guildManifest = (...bodies: string[]) =>
  Object.fromEntries(bodies.map((body) => [documentId(body), body]));

const bytes = (manifest: unknown) => Buffer.from(JSON.stringify(manifest));

async function register(principal: string, manifest: unknown) {
  const checked = checkManifest(schema, limits, bytes(manifest));
  expect(checked.problems).toEqual([]);
  return registerDocuments(hub.database.db, principal, checked.documents);
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers and audit details, shaped by the request
type Json = any;

interface Answer {
  status: number;
  body: { data?: Json; errors?: { message: string; extensions?: Record<string, Json> }[] };
  requestId: string;
}

let requests = 0;
/** POSTs a body to /graphql with a key and a request id of its own (to find its audit record). */
async function post(key: string, body: unknown): Promise<Answer> {
  const requestId = `doc-${uid}-${++requests}`;
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'], requestId };
}

async function get(key: string, params: Record<string, string>): Promise<Answer> {
  const requestId = `doc-${uid}-${++requests}`;
  const response = await fetch(`${hub.url}/graphql?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${key}`, 'apollo-require-preflight': '1', 'x-request-id': requestId },
  });
  return { status: response.status, body: (await response.json()) as Answer['body'], requestId };
}

interface AuditRow {
  event: string;
  principal: string | null;
  keyId: string | null;
  operationName: string | null;
  documentHash: string | null;
  outcome: string;
  detail: Record<string, Json>;
  chained: boolean;
}

/** The audit record of a request, and whether its hash covers what it holds (the chain's own function). */
async function auditOf(requestId: string): Promise<AuditRow> {
  const rows = await hub.database.sql<AuditRow[]>`
    select event, principal, key_id as "keyId", operation_name as "operationName",
      document_hash as "documentHash", outcome, detail, hash = audit_hash(a) as chained
    from audit_log a where request_id = ${requestId}`;
  expect(rows).toHaveLength(1);
  return rows[0];
}

const keys = { planningSystem: '', planningAnalyst: '', waterSystem: '', waterAnalyst: '' };
const keyIds = { planningSystem: '' };

beforeAll(async () => {
  const db = hub.database.db;
  const planningSystem = await createKey(db, 'PLANNING', 'documents test', { documentsOnly: true });
  keys.planningSystem = planningSystem.key;
  keyIds.planningSystem = planningSystem.id;
  keys.planningAnalyst = (await createKey(db, 'PLANNING', 'documents test')).key;
  keys.waterSystem = (await createKey(db, 'WATER', 'documents test', { documentsOnly: true })).key;
  keys.waterAnalyst = (await createKey(db, 'WATER', 'documents test')).key;
});

describe('registering a manifest', () => {
  it("registers Apollo's manifest and The Guild's; pushing again changes nothing", async () => {
    const first = await register('PLANNING', apolloManifest(whoAmI, wells));
    expect(first.added.map((d) => [d.name, d.type])).toEqual([
      [`WhoAmI${uid}`, 'query'],
      [`Wells${uid}`, 'query'],
    ]);
    const again = await register('PLANNING', apolloManifest(whoAmI, wells));
    expect(again).toMatchObject({
      added: [],
      already: [{ id: documentId(whoAmI) }, { id: documentId(wells) }],
    });

    const guild = await register('PLANNING', guildManifest(planningOnly));
    expect(guild.added).toEqual([
      { id: documentId(planningOnly), name: `PlanningOnly${uid}`, type: 'query', body: planningOnly },
    ]);
    // The same document for another principal: its own registration, not PLANNING's.
    const water = await register('WATER', guildManifest(whoAmI));
    expect(water.added.map((d) => d.id)).toEqual([documentId(whoAmI)]);

    const [row] = await hub.database.sql<{ principal: string; name: string; type: string; body: string }[]>`
      select principal_code as principal, operation_name as name, operation_type as type, body
      from trusted_document where id = ${documentId(wells)}`;
    expect(row).toEqual({ principal: 'PLANNING', name: `Wells${uid}`, type: 'query', body: wells });
  });

  it('keeps every id the SHA-256 of its body in the table itself', async () => {
    const body = `query Tampered${uid} { me { code } }`;
    await expect(
      hub.database.sql`insert into trusted_document (principal_code, id, operation_name, operation_type, body)
        values ('PLANNING', ${documentId(whoAmI)}, ${`Tampered${uid}`}, 'query', ${body})`,
    ).rejects.toThrow(/trusted_document_id/);
  });

  it('refuses each bad entry clearly, by where it is and its id', () => {
    const good = `query Good${uid} { me { code } }`;
    const unknownField = `query Unknown${uid} { me { code salary } }`;
    const syntax = `query Broken${uid} { me { code }`;
    const twoOperations = `query A${uid} { me { code } } query B${uid} { me { kind } }`;
    const anonymous = '{ me { code } }';
    const deep = `query Deep${uid} { ${Array.from({ length: 300 }, (_, i) => `a${i}: me { code }`).join(' ')} }`;
    const checked = checkManifest(
      schema,
      limits,
      bytes({
        format: APOLLO_FORMAT,
        version: 1,
        operations: [
          { id: documentId(good), name: `Good${uid}`, type: 'query', body: good },
          { id: documentId(`${good} `), name: `Good${uid}`, type: 'query', body: good },
          { id: documentId(unknownField), name: `Unknown${uid}`, type: 'query', body: unknownField },
          { id: documentId(syntax), name: `Broken${uid}`, type: 'query', body: syntax },
          { id: documentId(twoOperations), name: `A${uid}`, type: 'query', body: twoOperations },
          { id: documentId(anonymous), name: 'Anonymous', type: 'query', body: anonymous },
          { id: documentId(good), name: 'Other', type: 'query', body: good },
          { id: documentId(good), name: `Good${uid}`, type: 'mutation', body: good },
          { id: 'a'.repeat(40), name: `Good${uid}`, type: 'query', body: good },
          { id: documentId(deep), name: `Deep${uid}`, type: 'query', body: deep },
          { id: documentId(good), name: `Good${uid}` },
        ],
      }),
    );
    expect(checked.documents.map((d) => d.name)).toEqual([`Good${uid}`]);
    const byPlace = Object.fromEntries(checked.problems.map((p) => [p.at, p.message]));
    expect(byPlace).toEqual({
      'operations[1]': expect.stringMatching(/is not the SHA-256 of its document/),
      'operations[2]': expect.stringMatching(
        /^not valid against the hub's schema: Cannot query field "salary" on type "Principal"/,
      ),
      'operations[3]': expect.stringMatching(/^not valid GraphQL: Syntax Error/),
      'operations[4]': 'the document holds 2 operations: register one operation per document',
      'operations[5]': expect.stringMatching(/has no name/),
      'operations[6]': expect.stringMatching(/the manifest names it "Other"/),
      'operations[7]': 'the manifest says it is a mutation, the document a query',
      'operations[8]': expect.stringMatching(/looks like a SHA-1/),
      'operations[9]': expect.stringMatching(/aliases/),
      'operations[10]': 'type, body missing or not a string',
    });
    expect(checked.problems.find((p) => p.at === 'operations[2]')?.id).toBe(documentId(unknownField));
  });

  it('refuses manifests too big, too many, with a body too long, or in no known format', () => {
    const check = (manifest: unknown) => checkManifest(schema, limits, bytes(manifest));
    const many = Array.from({ length: MAX_MANIFEST_ENTRIES + 1 }, (_, i) => `query Q${i} { me { code } }`);
    expect(check(guildManifest(...many)).problems).toEqual([
      {
        at: null,
        message: `the manifest has ${many.length} operations, more than the limit of ${MAX_MANIFEST_ENTRIES}`,
      },
    ]);
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 1, ' ');
    expect(checkManifest(schema, limits, huge).problems[0].message).toMatch(/more than the limit of 8388608/);
    const long = `query Long${uid} { me { code } } #${'x'.repeat(MAX_DOCUMENT_LENGTH)}`;
    expect(check(guildManifest(long)).problems[0].message).toMatch(
      new RegExp(`characters, more than the limit of ${MAX_DOCUMENT_LENGTH}`),
    );
    const tokens = `query Tokens${uid} { ${Array.from({ length: 3000 }, (_, i) => `f${i}: __typename`).join(' ')} }`;
    expect(check(guildManifest(tokens)).problems[0].message).toMatch(/not valid GraphQL: .*5000 tokens/);
    expect(check({ format: 'relay', version: 1 }).problems[0].message).toMatch(
      /unknown manifest format "relay"/,
    );
    expect(check({ format: APOLLO_FORMAT, version: 2, operations: [] }).problems[0].message).toMatch(
      /unsupported version 2/,
    );
    expect(checkManifest(schema, limits, Buffer.from('[1,2]')).problems[0].message).toMatch(
      /not a JSON object/,
    );
    expect(checkManifest(schema, limits, Buffer.from('{"a":')).problems[0].message).toMatch(/not UTF-8 JSON/);
    expect(check({}).problems[0].message).toBe('the manifest has no operations');
  });
});

describe('running registered documents', () => {
  const id = () => documentId(wells);

  it('runs a document by id in both request forms, by POST and GET', async () => {
    const forms = [
      { documentId: `sha256:${id()}`, variables: { first: 2 } },
      { documentId: id(), variables: { first: 2 } },
      { extensions: { persistedQuery: { version: 1, sha256Hash: id() } }, variables: { first: 2 } },
    ];
    for (const body of forms) {
      for (const key of [keys.planningSystem, keys.planningAnalyst]) {
        const answer = await post(key, body);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data.irrigationWells.nodes.length).toBeLessThanOrEqual(2);
      }
    }
    const byGet = await get(keys.planningSystem, { documentId: `sha256:${documentId(whoAmI)}` });
    expect(byGet.status).toBe(200);
    expect(byGet.body.data).toEqual({ me: { code: 'PLANNING', kind: 'DEPARTMENT' } });
    const apolloGet = await get(keys.planningSystem, {
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: documentId(whoAmI) } }),
    });
    expect(apolloGet.body.data).toEqual({ me: { code: 'PLANNING', kind: 'DEPARTMENT' } });
  });

  it('refuses query text to a documents-only key, before parsing it, and audits the refusal', async () => {
    const attempts = [
      () => post(keys.planningSystem, { query: whoAmI }),
      () => post(keys.planningSystem, { query: '{ __schema { types { name } } }' }),
      () => post(keys.planningSystem, { query: '{ nosuchfield }' }),
      () => post(keys.planningSystem, { query: 'not graphql at all {' }),
      () => post(keys.planningSystem, {}),
      () => post(keys.planningSystem, [{ documentId: documentId(whoAmI) }, { query: whoAmI }]),
      () => get(keys.planningSystem, { query: '{ me { code } }' }),
    ];
    for (const attempt of attempts) {
      const answer = await attempt();
      expect(answer.status).toBe(403);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([
        {
          message: expect.stringContaining('This key may run only registered documents'),
          extensions: { code: 'FORBIDDEN', reason: 'DOCUMENTS_ONLY' },
        },
      ]);
      const record = await auditOf(answer.requestId);
      expect(record).toMatchObject({
        event: 'GRAPHQL',
        principal: 'PLANNING',
        keyId: keyIds.planningSystem,
        outcome: 'FORBIDDEN',
        chained: true,
        detail: { reason: 'query text from a documents-only key', errors: { FORBIDDEN: 1 } },
      });
    }
    // the text of a registered document, sent as text, is still text
    const text = await post(keys.planningSystem, { query: wells, variables: { first: 1 } });
    expect(text.status).toBe(403);
  });

  it('runs the text with its id when it is registered, and refuses a text that is not the id', async () => {
    const both = await post(keys.planningSystem, { query: wells, documentId: id(), variables: { first: 1 } });
    expect(both.status).toBe(200);
    const mismatch = await post(keys.planningSystem, { query: whoAmI, documentId: id() });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'DOCUMENT_ID_MISMATCH',
    });
    const twoIds = await post(keys.planningAnalyst, {
      documentId: id(),
      extensions: { persistedQuery: { version: 1, sha256Hash: documentId(whoAmI) } },
    });
    expect(twoIds.body.errors?.[0].extensions?.reason).toBe('DOCUMENT_ID_MISMATCH');
  });

  it("does not find another principal's document, nor say whether one exists", async () => {
    const others = documentId(planningOnly); // PLANNING's only
    const never = documentId(`query Never${uid} { me { code } }`);
    const answers = [];
    for (const key of [keys.waterSystem, keys.waterAnalyst]) {
      for (const unknown of [others, never]) {
        const answer = await post(key, { documentId: unknown });
        expect(answer.status).toBe(404);
        expect(answer.body.data).toBeUndefined();
        expect(answer.body.errors?.[0].extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_FOUND' });
        answers.push(answer.body.errors?.[0].message.replaceAll(unknown, '<id>'));
        expect((await auditOf(answer.requestId)).outcome).toBe('NOT_FOUND');
      }
    }
    expect([...new Set(answers)], answers.join('\n')).toHaveLength(1);
    // WATER registered whoAmI too: its own copy runs, as WATER
    const own = await post(keys.waterSystem, { documentId: documentId(whoAmI) });
    expect(own.body.data).toEqual({ me: { code: 'WATER', kind: 'DEPARTMENT' } });
    // a documents-only key sending text with the hash of an unregistered document: not found, not run
    const textual = `query Never${uid} { me { code } }`;
    const sent = await post(keys.waterSystem, { query: textual, documentId: never });
    expect(sent.status).toBe(404);
  });

  it('refuses malformed ids without looking anything up', async () => {
    for (const body of [
      { documentId: 42 },
      { documentId: 'md5:abc' },
      { documentId: `sha256:${'A'.repeat(64)}` },
      { documentId: 'x'.repeat(100_000) },
      { extensions: { persistedQuery: { version: 2, sha256Hash: id() } } },
      { extensions: { persistedQuery: { version: 1, sha256Hash: ['a'] } } },
      { extensions: { persistedQuery: 'yes' } },
    ]) {
      hub.database.statements.length = 0;
      const answer = await post(keys.planningSystem, body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.errors?.[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_DOCUMENT_ID',
      });
      expect(answer.body.errors?.[0].message.length).toBeLessThan(300);
      expect(hub.database.statements.some((s) => s.includes('trusted_document'))).toBe(false);
    }
  });

  it("keeps analysts' keys free: text runs, and a text with its unregistered hash runs as text", async () => {
    const text = await post(keys.planningAnalyst, { query: '{ me { code } }' });
    expect(text.body.data).toEqual({ me: { code: 'PLANNING' } });
    const record = await auditOf(text.requestId);
    expect(record.detail.document).toBeUndefined();
    const free = `query Free${uid} { me { kind } }`;
    const apq = await post(keys.planningAnalyst, {
      query: free,
      extensions: { persistedQuery: { version: 1, sha256Hash: documentId(free) } },
    });
    expect(apq.status).toBe(200);
    expect(apq.body.data).toEqual({ me: { kind: 'DEPARTMENT' } });
  });

  it('records the id and name of the document a request ran, covered by the hash chain', async () => {
    const answer = await post(keys.planningSystem, { documentId: id(), variables: { first: 1 } });
    expect(answer.status).toBe(200);
    const record = await auditOf(answer.requestId);
    expect(record).toMatchObject({
      event: 'GRAPHQL',
      principal: 'PLANNING',
      keyId: keyIds.planningSystem,
      outcome: 'OK',
      operationName: `Wells${uid}`,
      documentHash: id(),
      chained: true,
      detail: { document: { id: id(), name: `Wells${uid}` } },
    });
    expect(record.detail.reads.map((r: { field: string }) => r.field).sort()).toEqual([
      'district',
      'wellCode',
    ]);
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const { JINGTU_KEY: _key, ...inherited } = process.env;

function jingtu(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/jingtu.js', ...args],
      { env: { ...inherited, LOG_LEVEL: 'warn', DATABASE_URL: inject('databaseUrl') } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('jingtu documents push', { timeout: 120_000 }, () => {
  const cliDoc = `query Cli${uid} { me { code } }`;
  const cliMutationless = `query CliWells${uid} { irrigationWells(first: 1) { nodes { wellCode } } }`;

  it('registers a manifest for a principal, audited; the key it makes runs it and nothing else', async () => {
    const file = join(folder, 'apollo.json');
    writeFileSync(file, JSON.stringify(apolloManifest(cliDoc, cliMutationless)));
    const pushed = await jingtu('documents', 'push', file, '--principal', 'HOUSING');
    expect(pushed, pushed.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(pushed.stdout).toBe(
      `registered ${documentId(cliDoc)} query Cli${uid}\nregistered ${documentId(cliMutationless)} query CliWells${uid}\n2 documents registered for HOUSING, 0 already registered\n`,
    );
    const again = await jingtu('documents', 'push', file, '--principal', 'HOUSING');
    expect(again.stdout).toBe('0 documents registered for HOUSING, 2 already registered\n');

    const [audited] = await hub.database.sql<{ operationName: string; detail: Record<string, Json> }[]>`
      select operation_name as "operationName", detail from audit_log
      where event = 'DOCUMENTS_REGISTER' and detail @> ${JSON.stringify({ added: [{ id: documentId(cliDoc) }] })}::jsonb`;
    expect(audited.operationName).toMatch(/^jingtu documents \(.+@cli\)$/);
    expect(audited.detail).toMatchObject({
      principal: 'HOUSING',
      file: 'apollo.json',
      format: 'apollo',
      already: 0,
    });

    const listed = await jingtu('documents', 'list', '--principal', 'HOUSING');
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe('principal\tid\tname\ttype\tregistered');
    expect(lines.some((line) => line.startsWith(`HOUSING\t${documentId(cliDoc)}\tCli${uid}\tquery\t`))).toBe(
      true,
    );

    const created = await jingtu(
      'keys',
      'create',
      '--principal',
      'HOUSING',
      '--name',
      `system ${uid}`,
      '--documents-only',
    );
    expect(created.code, created.stderr).toBe(0);
    const [first, key] = created.stdout.trim().split('\n');
    const keyId = first.match(/^created key (\S+) for HOUSING \(runs only registered documents\)$/)?.[1];
    const [{ detail }] = await hub.database.sql<{ detail: Record<string, Json> }[]>`
      select detail from audit_log where event = 'KEY_CREATE' and key_id = ${keyId as string}`;
    expect(detail).toMatchObject({ principal: 'HOUSING', documentsOnly: true });
    const keyList = (await jingtu('keys', 'list')).stdout.split('\n');
    expect(keyList[0]).toBe('id\tprincipal\tname\tcreated\tstate\truns\tsso');
    expect(keyList.find((line) => line.includes(`system ${uid}`))?.split('\t')[5]).toBe('documents-only');

    expect((await post(key, { documentId: documentId(cliDoc) })).body.data).toEqual({
      me: { code: 'HOUSING' },
    });
    expect((await post(key, { query: cliDoc })).status).toBe(403);
  });

  it('registers nothing of a manifest with a bad entry, naming each problem', async () => {
    const good = `query CliGood${uid} { me { code } }`;
    const bad = `query CliBad${uid} { me { nope } }`;
    const file = join(folder, 'guild.json');
    writeFileSync(file, JSON.stringify({ ...guildManifest(good), [documentId(`${bad}x`)]: bad }));
    const run = await jingtu('documents', 'push', file, '--principal', 'HOUSING');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `jingtu: "${documentId(`${bad}x`)}": id ${documentId(`${bad}x`)} is not the SHA-256 of its document (${documentId(bad)}): was the document changed after hashing?\njingtu: ${file} refused (1 of 2 entries): nothing registered\n`,
    );
    const [{ count }] = await hub.database.sql<{ count: number }[]>`
      select count(*)::int as count from trusted_document where id = ${documentId(good)}`;
    expect(count).toBe(0);

    writeFileSync(file, JSON.stringify(guildManifest(good, bad)));
    const invalid = await jingtu('documents', 'push', file, '--principal', 'HOUSING');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Cannot query field "nope" on type "Principal"/);

    writeFileSync(file, JSON.stringify(guildManifest(good)));
    const unknown = await jingtu('documents', 'push', file, '--principal', 'NOBODY');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^jingtu: unknown principal "NOBODY"; known: .*: nothing registered\n$/);
    const missing = await jingtu('documents', 'push', join(folder, 'missing.json'), '--principal', 'HOUSING');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^jingtu: cannot read .*missing\.json: ENOENT/);
  });
});
