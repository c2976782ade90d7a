import { createCipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';

/**
 * Sealed cursors: what a cursor holds (a record id, a change sequence, a sort value) is the hub's to read,
 * never the client's. Record ids and change sequences are global counters: in clear they would let a
 * district count the rows and changes of other districts and datasets (issue 11), and a forged one would
 * reach SQL as a value the hub never gave out.
 *
 * A sealed cursor is deterministic authenticated encryption (SIV, RFC 5297's construction with HMAC): the
 * IV is an HMAC-SHA-256 of the cursor's kind, its dataset and its content, and the content is encrypted
 * with AES-256-CTR under that IV. The same position always seals to the same text (a pull job's batch key
 * is made of its cursors, so a page pulled again must name the same batch), equal texts are all it shows,
 * and a text the hub did not seal, or sealed for another dataset or kind, does not open.
 *
 * The secret is one row of the hub's database (`cursor_secret`, migration 0011), so every replica and every
 * restart opens the cursors of the others. Deleting the row and restarting every process rotates it (and
 * makes every outstanding cursor invalid: clients start again from the beginning).
 */

/** What a cursor is for: a list page's keyset position, or a change feed position. */
export type CursorKind = 'list' | 'changes';

/** The longest cursor text accepted (a list cursor holds its sort value). */
export const MAX_CURSOR_CHARS = 4096;

const IV_BYTES = 16;

export class CursorSeal {
  private readonly encryptionKey: Buffer;
  private readonly macKey: Buffer;

  /**
   * @param secret the hub's cursor secret (32 bytes or more)
   * @param numericHorizon the last change sequence given out before cursors were sealed: numeric change
   *   cursors up to it are still accepted (src/sync/changes.ts)
   */
  constructor(
    secret: Buffer,
    readonly numericHorizon: number,
  ) {
    const key = (use: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), use, 32));
    this.encryptionKey = key('jingtu cursor encryption');
    this.macKey = key('jingtu cursor authentication');
  }

  private iv(kind: CursorKind, dataset: string, content: Buffer): Buffer {
    const mac = createHmac('sha256', this.macKey);
    // Lengths first, so that no two (kind, dataset, content) triples feed the same bytes.
    const header = Buffer.alloc(8);
    header.writeUInt32BE(Buffer.byteLength(kind), 0);
    header.writeUInt32BE(Buffer.byteLength(dataset), 4);
    return mac.update(header).update(kind).update(dataset).update(content).digest().subarray(0, IV_BYTES);
  }

  private crypt(iv: Buffer, bytes: Buffer): Buffer {
    const cipher = createCipheriv('aes-256-ctr', this.encryptionKey, iv);
    return Buffer.concat([cipher.update(bytes), cipher.final()]);
  }

  /** The cursor text of `content`, for `kind` cursors of `dataset` only. */
  seal(kind: CursorKind, dataset: string, content: Buffer): string {
    const iv = this.iv(kind, dataset, content);
    return Buffer.concat([iv, this.crypt(iv, content)]).toString('base64url');
  }

  /** The content of a cursor text sealed by `seal` with the same kind and dataset, or undefined. */
  open(kind: CursorKind, dataset: string, text: string): Buffer | undefined {
    if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length < IV_BYTES || bytes.toString('base64url') !== text) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const content = this.crypt(iv, bytes.subarray(IV_BYTES));
    return timingSafeEqual(iv, this.iv(kind, dataset, content)) ? content : undefined;
  }
}

/** Per connection pool: the secret is read once per process (it changes only with a restart). */
const seals = new WeakMap<postgres.Sql, Promise<CursorSeal>>();

async function loadSeal(sql: postgres.Sql): Promise<CursorSeal> {
  const read = () =>
    sql<{ secret: string; numericHorizon: string }[]>`
      select secret, numeric_horizon::text as "numericHorizon" from cursor_secret`;
  let [row] = await read();
  if (!row) {
    // Migration 0011 creates the row; someone removed it (a rotation): the first process makes a new one.
    await sql`insert into cursor_secret (id, secret, numeric_horizon)
      values (true, ${randomBytes(32).toString('hex')}, 0) on conflict (id) do nothing`;
    [row] = await read();
  }
  return new CursorSeal(Buffer.from(row.secret, 'hex'), Number(row.numericHorizon));
}

/** The hub's cursor seal, read from the database the first time a process needs it. */
export function cursorSeal(sql: postgres.Sql): Promise<CursorSeal> {
  let seal = seals.get(sql);
  if (!seal) {
    seal = loadSeal(sql);
    seals.set(sql, seal);
    // A failed read (the database is out of reach) is tried again by the next request.
    seal.catch(() => seals.delete(sql));
  }
  return seal;
}
