/**
 * A consumer's grant on the CONDITIONAL fields a benchmark reads, through the hub's grants service, and how
 * the consumer then reads each field: principals and their active grants as a request with their key sees
 * them (`authenticate`), field decisions by the hub's own EffectiveAccess.
 */
import { EffectiveAccess, type FieldMode } from '../../src/access/effectiveAccess.js';
import { approveAccess, requestAccess } from '../../src/access/grants.js';
import { type Authenticated, authenticate, createKey, revokeKey } from '../../src/access/keys.js';
import { type Dataset, sharingOf } from '../../src/catalog/define.js';
import type { Db } from '../../src/db/connection.js';

async function asRequest(db: Db, key: string): Promise<Authenticated> {
  const found = await authenticate(db, key);
  if (!found) throw new Error('no live key for the benchmark principal');
  return found;
}

/** Acts as a principal that has no key of the benchmark's: through a key made for the moment. */
async function actingAs<T>(db: Db, code: string, work: (who: Authenticated) => Promise<T>): Promise<T> {
  const { id, key } = await createKey(db, code, 'bench:grant');
  try {
    return await work(await asRequest(db, key));
  } finally {
    await revokeKey(db, id);
  }
}

/**
 * The consumer's grant on the CONDITIONAL ones of `fields`: an active one that covers them all and lasts
 * another day is reused, else the consumer requests one for a year and the dataset's owner approves it.
 */
export async function ensureGrant(
  db: Db,
  consumerKey: string,
  dataset: Dataset,
  fields: readonly string[],
  purpose: string,
): Promise<{ id: string; fields: string[]; reused: boolean }> {
  const granted = fields.filter((name) => sharingOf(dataset.fields[name]) === 'CONDITIONAL');
  if (granted.length === 0) throw new Error(`none of the selected fields of ${dataset.name} is CONDITIONAL`);
  const consumer = await asRequest(db, consumerKey);
  const dayAhead = Date.now() + 24 * 3600_000;
  const usable = consumer.grants.find(
    (grant) =>
      grant.dataset === dataset.name &&
      granted.every((field) => grant.fields.includes(field)) &&
      new Date(grant.expiresAt).getTime() > dayAhead,
  );
  if (usable) return { id: usable.id, fields: granted, reused: true };
  const requested = await requestAccess(db, consumer.principal, {
    dataset: dataset.name,
    fields: granted,
    purpose,
    termDays: 365,
  });
  const approved = await actingAs(db, dataset.owner, (owner) =>
    approveAccess(db, owner.principal, requested.id),
  );
  return { id: approved.id, fields: granted, reused: false };
}

export interface FieldAccess {
  field: string;
  sharing: ReturnType<typeof sharingOf>;
  mode: FieldMode;
  reason: string;
  grantId: string | null;
  grantExpiresAt: string | null;
}

/**
 * How the consumer reads each of `fields`; throws unless they mix OPEN fields in clear, masked fields and
 * granted CONDITIONAL ones, with none denied (what the benchmarks that read them are meant to measure).
 */
export async function fieldAccess(
  db: Db,
  consumerKey: string,
  dataset: Dataset,
  fields: readonly string[],
): Promise<{
  fields: FieldAccess[];
  masked: string[];
  clear: number;
  openClear: number;
  openMasked: number;
}> {
  const consumer = await asRequest(db, consumerKey);
  const access = new EffectiveAccess(consumer.principal, consumer.grants);
  const classes: FieldAccess[] = fields.map((name) => {
    const decision = access.field(dataset, name);
    return {
      field: name,
      sharing: sharingOf(dataset.fields[name]),
      mode: decision.mode,
      reason: decision.reason,
      grantId: decision.grant?.id ?? null,
      grantExpiresAt: decision.grant?.expiresAt ?? null,
    };
  });
  const masked = classes.filter((c) => c.mode === 'MASKED').map((c) => c.field);
  const openClear = classes.filter((c) => c.sharing === 'OPEN' && c.mode === 'CLEAR').length;
  const granted = classes.filter((c) => c.reason === 'GRANT').length;
  if (!openClear || !masked.length || !granted || classes.some((c) => c.mode === 'DENIED')) {
    throw new Error(`the selection does not mix OPEN, masked and granted fields: ${JSON.stringify(classes)}`);
  }
  return {
    fields: classes,
    masked,
    clear: classes.filter((c) => c.mode === 'CLEAR').length,
    openClear,
    openMasked: classes.filter((c) => c.sharing === 'OPEN' && c.mode === 'MASKED').length,
  };
}
