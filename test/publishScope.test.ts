import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { creditCodeFor, outgoingRecord as outgoing, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * The write path as an attacker tries it: a write's answer (status, counts, reasons) never depends on
 * records the writer cannot read, and no write changes what another publisher's readers see. Issue 11
 * items 1 and 2, and the sweep of every dataset × publisher kind × channel (GraphQL and REST).
 */

const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;

const PUBLISH = `mutation($dataset: String!, $batchKey: String!, $mode: PublishMode, $atomic: Boolean, $records: [JSONObject!]!) {
  publish(dataset: $dataset, batchKey: $batchKey, mode: $mode, atomic: $atomic, records: $records) {
    dataset mode status replayed received accepted inserted updated unchanged deleted takenOver rejectedCount errorCount note
    rejections { line field reason } } }`;

type Answer = { status: number; body: Record<string, unknown> };

/** Publishes over GraphQL; the answer without its batch key (the one thing the caller chose differently). */
async function viaGraphql(key: string, name: string, records: unknown[], mode = 'DELTA'): Promise<Answer> {
  const { status, body } = await hub.graphql(key, PUBLISH, {
    dataset: name,
    batchKey: `g-${uniqueId()}`,
    mode,
    atomic: false,
    records,
  });
  const { batchKey: _k, ...result } = (body.data?.publish ?? {}) as Record<string, unknown>;
  const errors = body.errors?.map((e) => ({ message: e.message, code: e.extensions?.code }));
  return { status, body: errors ? { errors } : result };
}

/** Publishes over the streaming endpoint (NDJSON). */
async function viaRest(key: string, name: string, records: unknown[]): Promise<Answer> {
  const response = await fetch(`${hub.url}/datasets/${name}/batches/r-${uniqueId()}?atomic=false`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: `${records.map((r) => JSON.stringify(r)).join('\n')}\n`,
  });
  const { batchKey: _k, ...body } = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body };
}

async function publishAs(code: string, name: string, records: unknown[]) {
  const answer = await viaGraphql(keys[code], name, records);
  expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ status: 'APPLIED', rejectedCount: 0 });
  return answer.body;
}

/** A record's state as its owner reads it, straight from the table: what any reader would be shown. */
async function stateOf(name: string, record: Record<string, unknown>) {
  const d = dataset(name);
  const where = d.key.map((k, i) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} = $${i + 1}`);
  const rows = await hub.database.sql.unsafe(
    `select publisher, version, deleted, change_seq::text from ${d.table} where ${where.join(' and ')}`,
    d.key.map((k) => String(record[k])) as string[],
  );
  return rows[0];
}

const DEPARTMENTS = ['ECOLOGY', 'AGRICULTURE', 'FORESTRY', 'PLANNING', 'HOUSING', 'ECONOMY', 'WATER'];

const { keys } = withSeed(hub, (s) => s.keys(...DEPARTMENTS, '110105', '110108', '110115', 'AUDITOR'));

describe('a district publishing about another district’s entities (items 1 and 2)', () => {
  const id = uniqueId();
  const enterprise = (tag: string, district: string) =>
    outgoing('closedEnterprise', `${id}${tag}`, { creditCode: creditCodeFor(`${id}${tag}`), district });

  it('answers "not yours" exactly as "does not exist", for screening entries and priority plots', async () => {
    // ECONOMY's record: one enterprise of 110115 with ECOLOGY's screening, one without, one of 110105.
    const screened = enterprise('s', '110115');
    const unscreened = enterprise('u', '110115');
    const own = enterprise('o', '110105');
    await publishAs('ECONOMY', 'closedEnterprise', [screened, unscreened, own]);
    await publishAs('ECOLOGY', 'siteScreening', [
      outgoing('siteScreening', `${id}s`, { creditCode: screened.creditCode, district: '110115' }),
    ]);
    const attempt = (creditCode: unknown) =>
      outgoing('siteScreening', `${id}x`, { creditCode, district: '110105', riskLevel: 'LOW' });
    const answers = [];
    for (const creditCode of [screened.creditCode, unscreened.creditCode, creditCodeFor(`${id}none`)]) {
      answers.push(await viaGraphql(keys['110105'], 'siteScreening', [attempt(creditCode)]));
      answers.push(await viaRest(keys['110105'], 'siteScreening', [attempt(creditCode)]));
    }
    expect(answers[0].body).toMatchObject({ status: 'APPLIED', inserted: 0, rejectedCount: 1 });
    const reason = (answers[0].body.rejections as { reason: string }[])[0].reason;
    expect(reason).toMatch(/outside the publishing scope of 110105/);
    expect(reason).not.toMatch(/ECOLOGY|110115/);
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    // Its own district's enterprise: allowed.
    const mine = await viaGraphql(keys['110105'], 'siteScreening', [attempt(own.creditCode)]);
    expect(mine.body).toMatchObject({ status: 'APPLIED', inserted: 1, rejectedCount: 0 });

    // Priority plots: a code of another district is invalid for it, whether that plot exists or not.
    const plot = outgoing('priorityPlot', `${id}p`, { district: '110108', sourceCreditCode: null });
    await publishAs('ECOLOGY', 'priorityPlot', [plot]);
    const absent = outgoing('priorityPlot', `${id}q`, { district: '110108', sourceCreditCode: null });
    const tries = [];
    for (const target of [plot, absent]) {
      for (const district of ['110105', '110108']) {
        const record = { ...target, district };
        tries.push([
          await viaGraphql(keys['110105'], 'priorityPlot', [record]),
          await viaRest(keys['110105'], 'priorityPlot', [record]),
        ]);
      }
    }
    expect(tries[0]).toEqual(tries[2]);
    expect(tries[1]).toEqual(tries[3]);
    expect(JSON.stringify(tries)).not.toMatch(/belongs to|ECOLOGY/);
    expect((tries[0][0].body.rejections as { reason: string }[])[0].reason).toMatch(/names district 110108/);
  });

  it('keeps another district from writing about, or locking out, the owner of an entity', async () => {
    const theirs = enterprise('t', '110115');
    await publishAs('ECONOMY', 'closedEnterprise', [theirs]);
    const fake = outgoing('siteScreening', `${id}f`, {
      creditCode: theirs.creditCode,
      district: '110105',
      riskLevel: 'LOW',
    });
    const refused = await viaGraphql(keys['110105'], 'siteScreening', [fake]);
    expect(refused.body).toMatchObject({ inserted: 0, rejectedCount: 1 });
    expect(await stateOf('siteScreening', fake)).toBeUndefined();

    // The entity's own district publishes the real entry; ECOLOGY can correct it.
    const real = { ...fake, district: '110115', riskLevel: 'HIGH' };
    expect((await viaGraphql(keys['110115'], 'siteScreening', [real])).body).toMatchObject({ inserted: 1 });
    const corrected = await viaGraphql(keys.ECOLOGY, 'siteScreening', [{ ...real, followUp: '初步调查' }]);
    expect(corrected.body).toMatchObject({ status: 'APPLIED', updated: 1, takenOver: 1, rejectedCount: 0 });
    expect(await stateOf('siteScreening', real)).toMatchObject({ publisher: 'ECOLOGY', version: 2 });
    const pattern = JSON.stringify([{ action: 'PUBLISH', dataset: 'siteScreening', takenOver: 1 }]);
    const [audit] = await hub.database.sql<{ detail: { actions: Record<string, unknown>[] } }[]>`
      select detail from audit_log where principal = 'ECOLOGY' and detail->'actions' @> ${pattern}::jsonb
      order by seq desc limit 1`;
    expect(audit?.detail.actions[0]).toMatchObject({ action: 'PUBLISH', takenOver: 1, updated: 1 });
  });

  it('lets the owner take over a record a district wrote before these checks, and so unlocks it', async () => {
    // A released hub let 110105 write a screening entry about 110115's enterprise: put one there as it did.
    const theirs = enterprise('l', '110115');
    await publishAs('ECONOMY', 'closedEnterprise', [theirs]);
    const stale = outgoing('siteScreening', `${id}l`, { creditCode: theirs.creditCode, district: '110105' });
    await hub.database.sql.unsafe(
      `insert into site_screening (credit_code, enterprise_name, district, risk_level, screened_on, publisher, source_record_id)
       values ($1, $2, '110105', 'LOW', '2024-05-01', '110105', $1)`,
      [stale.creditCode as string, stale.enterpriseName as string],
    );
    // 110115 cannot read it: it gets the scope answer, not the name of the district that holds it.
    const blocked = await viaGraphql(keys['110115'], 'siteScreening', [{ ...stale, district: '110115' }]);
    expect(JSON.stringify(blocked.body)).not.toMatch(/110105/);
    const taken = await viaGraphql(keys.ECOLOGY, 'siteScreening', [{ ...stale, district: '110115' }]);
    expect(taken.body).toMatchObject({ status: 'APPLIED', takenOver: 1, updated: 1 });
    expect(await stateOf('siteScreening', stale)).toMatchObject({ publisher: 'ECOLOGY' });
  });
});

/**
 * Every dataset × every kind of writer × both channels: for each, a write naming an existing record the
 * writer cannot read answers exactly as one naming a record that does not exist, and no write but the
 * owner's changes an existing record another publisher holds.
 */
describe('the write-path sweep', () => {
  for (const d of datasets) {
    it(`${d.name}: no answer differs between a record out of sight and one that does not exist`, async () => {
      const id = uniqueId();
      const holder = d.districtPublishers ? '110115' : d.owner;
      /** A record of district 110115, with the entities it is about published by their owners. */
      const record = async (tag: string) => {
        const r = outgoing(d.name, `${id}${tag}`, d.districtField ? { [d.districtField]: '110115' } : {});
        for (const linkName of d.publishingScope?.entities ?? []) {
          const link = d.links?.[linkName];
          if (link?.kind !== 'one') throw new Error('entity links are of kind one');
          if (Object.keys(link.on).some((local) => r[local] == null)) continue;
          const target = dataset(link.to);
          const entity = outgoing(target.name, `${id}${tag}e`, {
            ...Object.fromEntries(Object.entries(link.on).map(([local, remote]) => [remote, r[local]])),
            ...(target.districtField ? { [target.districtField]: '110115' } : {}),
          });
          await publishAs(target.owner, target.name, [entity]);
        }
        return r;
      };
      const held = await record('h');
      await publishAs(holder, d.name, [held]);

      const others = DEPARTMENTS.filter((c) => c !== d.owner && !d.publishers?.includes(c));
      // The holder and the owner last: they may change the held record.
      const writers = [...new Set([...(d.publishers ?? []), '110105', others[0], '110115', d.owner])];
      for (const [n, writer] of writers.entries()) {
        const district = /^\d{6}$/.test(writer);
        const seesHeld = !(district && d.districtField && writer !== '110115');
        /** What a writer sends about a record: a change, the same as its own district's, a tombstone. */
        const attempts = (target: Record<string, unknown>) => {
          const changed = { ...target };
          const text = Object.entries(d.fields).find(
            ([name, field]) =>
              !d.key.includes(name) && field.type === 'text' && !field.pattern && name !== d.districtField,
          );
          if (text) changed[text[0]] = `改写 ${writer}`;
          const asWriter = district && d.districtField ? { ...changed, [d.districtField]: writer } : changed;
          const tombstone: Record<string, unknown> = {
            ...Object.fromEntries(d.key.map((k) => [k, target[k]])),
            deleted: true,
          };
          if (d.districtField) tombstone[d.districtField] = asWriter[d.districtField];
          return [changed, asWriter, tombstone];
        };
        const answersFor = async (target: Record<string, unknown>) => {
          const answers: Answer[] = [];
          for (const attempt of attempts(target)) {
            answers.push(await viaGraphql(keys[writer], d.name, [attempt]));
            answers.push(await viaRest(keys[writer], d.name, [attempt]));
          }
          return answers;
        };
        const before = await stateOf(d.name, held);
        const onHeld = await answersFor(held);
        if (writer === d.owner) {
          // The owner corrects anything of its dataset: the record is its own now.
          expect(await stateOf(d.name, held)).toMatchObject({ publisher: d.owner });
          continue;
        }
        if (writer !== holder) {
          expect(await stateOf(d.name, held), `${writer} changed ${d.name}'s held record`).toEqual(before);
        }
        if (!seesHeld) {
          const onAbsent = await answersFor(await record(`a${n}`));
          expect(onHeld, `${writer} on ${d.name}`).toEqual(onAbsent);
        }
      }
    });
  }
});
