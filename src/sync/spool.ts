import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * A batch's valid rows, in COPY's CSV form, in a temporary file: written while the body is received and
 * validated, read back by the transaction that stages them. So no transaction holds the database while a
 * body is still arriving (a slow or stalled upload, a large compressed one): it begins only once the whole
 * batch is in, checked, on local disk. Rows are written in chunks, each read back by one COPY statement.
 */
export class StagingSpool {
  private readonly chunks: { start: number; end: number }[] = [];
  private size = 0;

  private constructor(
    private readonly folder: string,
    private readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(): Promise<StagingSpool> {
    const folder = await mkdtemp(join(tmpdir(), 'jingtu-batch-'));
    const file = join(folder, 'rows.csv');
    return new StagingSpool(folder, file, await open(file, 'wx', 0o600));
  }

  /** Appends one chunk of rows (COPY CSV text). */
  async append(text: string): Promise<void> {
    if (text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    await this.handle.write(bytes, 0, bytes.length, this.size);
    this.chunks.push({ start: this.size, end: this.size + bytes.length });
    this.size += bytes.length;
  }

  /** Each chunk's bytes, as a stream to pipe into a COPY. */
  *read(): Generator<Readable> {
    for (const { start, end } of this.chunks) yield createReadStream(this.file, { start, end: end - 1 });
  }

  /** Deletes the file; safe to call more than once. */
  async remove(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.folder, { recursive: true, force: true });
  }
}
