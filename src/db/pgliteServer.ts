import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/**
 * A loopback PostgreSQL socket in front of one PGlite, for many connections.
 *
 * PGlite is a single backend session. pglite-socket 0.2.17 queues each protocol *message* and keeps a
 * connection's turn only inside a transaction, so two connections' extended-protocol batches interleave:
 * one connection's Parse replaces the other's unnamed statement before its Bind ("bind message supplies 8
 * parameters, but prepared statement requires 1"; electric-sql/pglite#1046, fix #977 unmerged). Its queue
 * also stops for good after one failed message. This queue keeps a connection's turn until the backend
 * answers ReadyForQuery with status idle (`Z`, `I`): a whole Parse…Sync batch, a COPY, a transaction run
 * without another connection's messages in between.
 *
 * PGlite also cannot resume a `COPY … FROM STDIN` across calls: the query, its CopyData and its CopyDone
 * must reach it in one call (electric-sql/pglite#1028, unmerged). So the queue answers the query with a
 * CopyInResponse itself, gathers the data until CopyDone or CopyFail, and runs the whole sequence at once,
 * dropping PGlite's own CopyInResponse from the answer. The data of one COPY is held in memory: callers
 * copy large loads in chunks (src/sync/ingest.ts). The rest (startup, SSL refusal, message framing) is
 * pglite-socket's own handler.
 */

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  /** Work of the hub's own (a backup) run between the connections' turns, instead of a message. */
  work?: () => Promise<void>;
}

/** ReadyForQuery, idle: `Z`, length 5, `I`. The backend's last message when a connection's turn is over. */
const READY_IDLE = [0x5a, 0, 0, 0, 5, 0x49];
const QUERY = 0x51; // Q
const COPY_IN_RESPONSE = 0x47; // G
const COPY_DONE = 0x63; // c
const COPY_FAIL = 0x66; // f
/** CopyInResponse: text format, no per-column formats (postgres.js only needs to know it may send). */
const COPY_IN_READY = Uint8Array.from([COPY_IN_RESPONSE, 0, 0, 0, 7, 0, 0, 0]);
const COPY_FROM_STDIN = /^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i;

function isCopyFromStdin(message: Uint8Array): boolean {
  if (message[0] !== QUERY) return false;
  const text = Buffer.from(message.buffer, message.byteOffset + 5, Math.min(message.length - 5, 4096));
  return COPY_FROM_STDIN.test(text.toString('utf8'));
}

/** The backend messages of `data` but its CopyInResponse. */
function withoutCopyInResponse(data: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const end = at + 1 + Buffer.from(data.buffer, data.byteOffset + at + 1, 4).readInt32BE(0);
    if (data[at] !== COPY_IN_RESPONSE) kept.push(data.subarray(at, end));
    at = end;
  }
  return Buffer.concat(kept);
}

class SessionQueue {
  private readonly pending: Pending[] = [];
  /** The connection whose batch, COPY or transaction is under way; others wait. */
  private owner: number | undefined;
  private running = false;
  /** A COPY FROM STDIN being gathered: its query and data so far, sent to PGlite at CopyDone. */
  private copy: { handlerId: number; messages: Uint8Array[] } | undefined;

  /** Ids of the `between` work items: negative, never a connection's. */
  private workId = 0;

  constructor(private readonly db: PGlite) {}

  /**
   * Runs `work` when no connection has a turn (no transaction, batch or COPY under way), with no message
   * of any connection before it ends: what it sees is the database between two transactions.
   */
  between<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = async () => {
        resolve(await work());
      };
      this.pending.push({
        handlerId: --this.workId,
        message: new Uint8Array(),
        onData: () => {},
        resolve: () => {},
        reject,
        work: run,
      });
      void this.run();
    });
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  private next(): Pending | undefined {
    const index = this.owner === undefined ? 0 : this.pending.findIndex((p) => p.handlerId === this.owner);
    return index < 0 ? undefined : this.pending.splice(index, 1)[0];
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        try {
          item.resolve(await this.handle(item));
        } catch (error) {
          item.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs one message (or gathers it into a COPY); returns the bytes answered. */
  private async handle(item: Pending): Promise<number> {
    if (item.work) {
      await item.work();
      return 0;
    }
    if (this.copy?.handlerId === item.handlerId) {
      this.copy.messages.push(item.message);
      const kind = item.message[0];
      if (kind !== COPY_DONE && kind !== COPY_FAIL) return 0;
      const whole = Buffer.concat(this.copy.messages);
      this.copy = undefined;
      const answer: Uint8Array[] = [];
      // PGlite reuses the buffer it hands out: keep copies.
      await this.execute(item.handlerId, whole, (data) => answer.push(data.slice()));
      const reply = withoutCopyInResponse(Buffer.concat(answer));
      item.onData(reply);
      return reply.length;
    }
    if (isCopyFromStdin(item.message)) {
      this.copy = { handlerId: item.handlerId, messages: [item.message] };
      this.owner = item.handlerId;
      item.onData(COPY_IN_READY);
      return COPY_IN_READY.length;
    }
    return this.execute(item.handlerId, item.message, item.onData);
  }

  /** Runs protocol messages in PGlite; the connection keeps its turn unless the backend answers idle. */
  private async execute(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void) {
    const tail: number[] = [];
    let bytes = 0;
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length;
          for (const byte of data.subarray(Math.max(0, data.length - READY_IDLE.length))) tail.push(byte);
          tail.splice(0, Math.max(0, tail.length - READY_IDLE.length));
          onData(data);
        },
      }),
    );
    // A message that got no answer changed nothing: a stray CopyFail, which postgres.js sends after every
    // COPY and the backend ignores, must not give its connection the turn.
    if (bytes === 0) return 0;
    const idle = tail.length === READY_IDLE.length && tail.every((b, i) => b === READY_IDLE[i]);
    this.owner = idle ? undefined : handlerId;
    return bytes;
  }

  /** A connection went away: drop its queued messages (pglite-socket's handler calls this on detach). */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.pending[i].handlerId !== handlerId) continue;
      this.pending.splice(i, 1)[0].reject(new Error('connection closed'));
    }
  }

  /** …and give up its turn, rolling back a transaction it left open. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.copy?.handlerId === handlerId) this.copy = undefined;
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = undefined;
    void this.run();
  }
}

export interface PgliteServer {
  /** `postgres://` URL of the socket. */
  url: string;
  port: number;
  /** Runs `work` between the connections' turns (SessionQueue.between). */
  between<T>(work: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** Serves `db` on 127.0.0.1 (`port` 0: a free port) to any number of connections, one turn at a time. */
export async function servePglite(db: PGlite, port = 0): Promise<PgliteServer> {
  await db.waitReady;
  const queue = new SessionQueue(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket: Socket) => {
    // The handler's option type names pglite-socket's own (unexported) queue class; ours has its methods.
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('pglite socket: no address');
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    port: address.port,
    between: (work) => queue.between(work),
    async stop() {
      for (const handler of handlers) await handler.detach(true);
      handlers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
