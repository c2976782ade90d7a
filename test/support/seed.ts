import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import type { Capability } from '../../src/access/capabilities.js';
import { EffectiveAccess } from '../../src/access/effectiveAccess.js';
import { approveAccess, requestAccess, revokeAccess } from '../../src/access/grants.js';
import { authenticate, createKey } from '../../src/access/keys.js';
import type { Principal } from '../../src/access/principal.js';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import { loadReference, type ReferenceData } from '../../src/datasets/reference.js';
import type { Db } from '../../src/db/connection.js';
import { accessGrant, apiKey, principal } from '../../src/db/hubTables.js';
import { seedDemo } from '../../src/demo/seed.js';
import { type PublishResult, publishBatch } from '../../src/sync/ingest.js';
import type { TestHub } from './hub.js';
import { insertRecords, uniqueId } from './records.js';

/**
 * The seed kit: a chain of what a test needs in the database (principals, keys, grants, records, named
 * scenarios), run in order when awaited, through the hub's own services: keys by `createKey`, grants by the
 * grant workflow, records published by `publishBatch` as their publisher. So a test starts from a state
 * the hub can reach, and a service's rules apply to its fixture as to any caller.
 *
 *   const seeded = await seed(db).keys('HOUSING', '110105').records('constructionPermit', rows);
 *   seeded.keys.HOUSING;
 */

export type GrantState = 'PENDING' | 'APPROVED' | 'EXPIRED' | 'REVOKED';

export interface GrantSpec {
  dataset: string;
  fields: string[];
  /** APPROVED (default) by the owner; EXPIRED: approved, then past its expiry; REVOKED by the owner. */
  state?: GrantState;
  purpose?: string;
  termDays?: number;
}

/** A record to publish: declared fields, and optionally its provenance (as `sampleRecord` makes it). */
export type SeedRecord = Record<string, unknown> & {
  /** Who publishes it (default: the dataset's owner). */
  publisher?: string;
  sourceRecordId?: string;
  /** Published, then withdrawn: a tombstone. */
  deleted?: boolean;
};

export interface Seeded {
  /** A live key per principal given `key()` or `keys()`, by principal code. */
  keys: Record<string, string>;
  /** The grants made, in order, by id. */
  grants: string[];
  /** The principals this chain created (`testPrincipal`). */
  principals: string[];
  /** Removes the principals this chain created, with their keys and grants. */
  cleanup(): Promise<void>;
}

/** A named set-up several files share, as a part of the chain. */
export type Scenario = (chain: Seed) => Seed;

export class Seed implements PromiseLike<Seeded> {
  private readonly steps: (() => Promise<void>)[] = [];
  private current?: string;
  private reference?: ReferenceData;
  /** Keys the chain makes to act as a principal (a grant's owner, a publisher), unless it seeded one. */
  private readonly ownKeys = new Map<string, string>();
  readonly seeded: Seeded;

  constructor(readonly db: Db) {
    const principals: string[] = [];
    this.seeded = {
      keys: {},
      grants: [],
      principals,
      cleanup: async () => {
        if (principals.length === 0) return;
        await db.delete(accessGrant).where(inArray(accessGrant.requester, principals));
        await db.delete(apiKey).where(inArray(apiKey.principalCode, principals));
        await db.delete(principal).where(inArray(principal.code, principals));
      },
    };
  }

  /** A step of the caller's own, in its place in the chain. */
  run(step: (db: Db) => Promise<unknown>): this {
    this.steps.push(async () => {
      await step(this.db);
    });
    return this;
  }

  /** Makes an existing principal (a department, a district, AUDITOR) the subject of the next steps. */
  principal(code: string): this {
    return this.run(async () => {
      this.current = code;
    });
  }

  /**
   * Creates a principal of this test's own (no service creates principals: they are reference data), with
   * the capabilities given, and makes it the subject. Its grants and capabilities change no other file's
   * view of the real departments.
   */
  testPrincipal(
    code: string,
    kind: Principal['kind'] = 'DEPARTMENT',
    capabilities: readonly Capability[] = [],
  ): this {
    return this.run(async (db) => {
      await db.insert(principal).values({
        code,
        kind,
        nameZh: `测试主体 ${code}`,
        nameEn: `Test principal ${code}`,
        capabilities: [...capabilities],
      });
      this.seeded.principals.push(code);
      this.current = code;
    });
  }

  /** A key for the subject (`keys[code]`). */
  key(): this {
    return this.run(async (db) => {
      const code = this.subject();
      this.seeded.keys[code] = (await createKey(db, code, 'test')).key;
    });
  }

  /** A key for each principal. */
  keys(...codes: string[]): this {
    for (const code of codes) this.principal(code).key();
    return this;
  }

  /** The subject requests access to fields of a dataset; its owner decides. */
  grant(spec: GrantSpec): this {
    return this.run(async (db) => {
      const requester = await this.principalOf(this.subject());
      const { dataset, fields, state = 'APPROVED', purpose = '测试核查用途', termDays = 30 } = spec;
      const { id } = await requestAccess(db, requester, { dataset, fields, purpose, termDays });
      this.seeded.grants.push(id);
      if (state === 'PENDING') return;
      const owner = await this.principalOf(datasetOf(dataset).owner);
      await approveAccess(db, owner, id);
      // No service approves into the past: an expired grant is an approved one whose expiry has passed.
      if (state === 'EXPIRED') {
        await db
          .update(accessGrant)
          .set({ expiresAt: sql`now() - interval '1 hour'` })
          .where(eq(accessGrant.id, id));
      }
      if (state === 'REVOKED') await revokeAccess(db, owner, id, '测试撤销');
    });
  }

  /**
   * Publishes records into a dataset, each as its `publisher` (default: the owner), in one all-or-nothing
   * batch per publisher; a refused row fails the chain with its reasons. A record with `deleted: true` is
   * published and then withdrawn.
   */
  records(name: string, records: readonly SeedRecord[]): this {
    return this.run(async (db) => {
      const dataset = datasetOf(name);
      const byPublisher = new Map<string, SeedRecord[]>();
      for (const record of records) {
        const code = record.publisher ?? dataset.owner;
        byPublisher.set(code, [...(byPublisher.get(code) ?? []), record]);
      }
      for (const [code, group] of byPublisher) {
        const live = group.map(({ publisher: _p, syncBatch: _b, deleted: _d, ...values }) => values);
        await this.publish(db, code, dataset, live);
        const withdrawn = live.filter((_, i) => group[i].deleted).map((r) => ({ ...r, deleted: true }));
        if (withdrawn.length) await this.publish(db, code, dataset, withdrawn);
      }
    });
  }

  /**
   * Writes records straight into a dataset's table, as they stand (publisher and provenance included):
   * for states that no one publish makes, such as a district's record about an entity that has since
   * moved to another district.
   */
  stored(name: string, records: readonly Record<string, unknown>[]): this {
    return this.run((db) => insertRecords(db, datasetOf(name), [...records]));
  }

  scenario(scenario: Scenario): this {
    scenario(this);
    return this;
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting the chain is what runs it
  then<A = Seeded, B = never>(
    onFulfilled?: ((value: Seeded) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.execute().then(onFulfilled, onRejected);
  }

  private async execute(): Promise<Seeded> {
    const steps = this.steps.splice(0);
    for (const step of steps) await step();
    return this.seeded;
  }

  private subject(): string {
    if (!this.current) throw new Error('seed: name a principal first (principal, testPrincipal, keys)');
    return this.current;
  }

  /** The principal as a request sees it, with its active grants, through a key of its own. */
  private async authenticated(code: string) {
    let key = this.seeded.keys[code] ?? this.ownKeys.get(code);
    if (!key) {
      key = (await createKey(this.db, code, 'test')).key;
      this.ownKeys.set(code, key);
    }
    const found = await authenticate(this.db, key);
    if (!found) throw new Error(`seed: no live key for ${code}`);
    return found;
  }

  private async principalOf(code: string): Promise<Principal> {
    return (await this.authenticated(code)).principal;
  }

  private async publish(db: Db, code: string, dataset: Dataset, records: Record<string, unknown>[]) {
    const { principal: who, grants } = await this.authenticated(code);
    this.reference ??= await loadReference(db);
    const publisher = { access: new EffectiveAccess(who, grants), reference: this.reference };
    const result: PublishResult = await publishBatch(
      db,
      publisher,
      dataset,
      { batchKey: `seed-${uniqueId()}`, mode: 'DELTA', atomic: true },
      records.map((raw, i) => ({ line: i + 1, raw })),
    );
    if (result.status !== 'APPLIED') {
      throw new Error(
        `seed: ${code} could not publish ${dataset.name}: ${JSON.stringify(result.rejections.slice(0, 5))}`,
      );
    }
  }
}

function datasetOf(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) throw new Error(`seed: no dataset ${name}`);
  return dataset;
}

/** A chain over a database. */
export const seed = (db: Db) => new Seed(db);

/**
 * A file's seed: the chain runs before its tests and its principals are removed after them. The `keys`
 * returned are the same object the chain fills, so a file may take them at its top.
 */
export function withSeed(hub: TestHub, build: (chain: Seed) => Seed, timeout = 120_000): Seeded {
  const chain = new Seed(hub.database.db);
  beforeAll(async () => {
    await build(chain);
  }, timeout);
  afterAll(() => chain.seeded.cleanup());
  return chain.seeded;
}

/** The demo data set (`jingtu seed --demo`), loaded once into the run's database. */
export const demoData: Scenario = (chain) => chain.run((db) => seedDemo(db, { skipWhen: 'demoRows' }));
