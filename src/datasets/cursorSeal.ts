import {
  type Cipher,
  createCipheriv,
  createDecipheriv,
  createHmac,
  type Decipher,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type postgres from 'postgres';

/**
 * Sealed cursors: what a cursor holds (a record id, a change sequence, a sort value) is the hub's to read,
 * never the client's. Record ids and change sequences are global counters: in clear they would let a
 * district count the rows and changes of other districts and datasets (issue 11), and a forged one would
 * reach SQL as a value the hub never gave out.
 *
 * Both forms are deterministic authenticated encryption: the same position always seals to the same text
 * (a pull job's batch key is made of its cursors, so a page pulled again must name the same batch), equal
 * texts are all a cursor shows, and a text the hub did not seal, or sealed for another dataset or kind,
 * does not open.
 *
 * - A position (a change sequence: the change feed, which may send 100,000 cursors in one response) is one
 *   AES-256 block, a pseudorandom permutation: 8 bytes of position and 8 bytes naming the kind and dataset
 *   (an HMAC of them). Any other 16 bytes decrypt to a block whose last 8 bytes match with odds of 2⁻⁶⁴.
 *   One long-lived ECB cipher serves every block: 4.4 µs a cursor here, where creating a cipher and an
 *   HMAC per cursor took 20 µs.
 * - Content of any length (a list cursor: record id and sort value) is SIV (RFC 5297's construction, with
 *   HMAC): the IV is an HMAC-SHA-256 of the kind, the dataset and the content, and the content is
 *   encrypted with AES-256-CTR under that IV.
 *
 * The secret is one row of the hub's database (`cursor_secret`, migration 0011), so every replica and every
 * restart opens the cursors of the others. Deleting the row and restarting every process rotates it (and
 * makes every outstanding cursor invalid: clients start again from the beginning).
 */

/** What a cursor is for: a list page's keyset position, or a change feed position. */
export type CursorKind = 'list' | 'changes';

/**
 * The longest cursor text accepted. A list cursor holds its sort value: text of up to 4,000 characters
 * (src/sync/validate.ts), 3 bytes each in UTF-8 (6 where JSON escapes one), in base64: about 32,000.
 */
export const MAX_CURSOR_CHARS = 40_000;

const IV_BYTES = 16;
const BLOCK_BYTES = 16;
/** A block as base64url text. */
const BLOCK_CHARS = 22;

export class CursorSeal {
  private readonly encryptionKey: Buffer;
  private readonly macKey: Buffer;
  private readonly blockCipher: Cipher;
  private readonly blockDecipher: Decipher;
  private readonly tags = new Map<string, Buffer>();

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
    const blockKey = key('jingtu cursor block');
    // ECB over single blocks, without padding: each update() is one block in, one block out.
    this.blockCipher = createCipheriv('aes-256-ecb', blockKey, null).setAutoPadding(false);
    this.blockDecipher = createDecipheriv('aes-256-ecb', blockKey, null).setAutoPadding(false);
  }

  /** The 8 bytes that name a kind and dataset in a position block. */
  private tag(kind: CursorKind, dataset: string): Buffer {
    const name = `${kind}:${dataset}`;
    let tag = this.tags.get(name);
    if (!tag) {
      tag = createHmac('sha256', this.macKey).update('position\0').update(name).digest().subarray(0, 8);
      this.tags.set(name, tag);
    }
    return tag;
  }

  /** The cursor text of a position (a whole number below 2⁶⁴), for `kind` cursors of `dataset` only. */
  sealPosition(kind: CursorKind, dataset: string, position: bigint): string {
    const block = Buffer.alloc(BLOCK_BYTES);
    block.writeBigUInt64BE(position, 0);
    this.tag(kind, dataset).copy(block, 8);
    return this.blockCipher.update(block).toString('base64url');
  }

  /** The position a text of `sealPosition` with the same kind and dataset holds, or undefined. */
  openPosition(kind: CursorKind, dataset: string, text: string): bigint | undefined {
    if (text.length !== BLOCK_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length !== BLOCK_BYTES || bytes.toString('base64url') !== text) return undefined;
    const block = this.blockDecipher.update(bytes);
    if (block.length !== BLOCK_BYTES) return undefined;
    return timingSafeEqual(block.subarray(8), this.tag(kind, dataset)) ? block.readBigUInt64BE(0) : undefined;
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
