/**
 * A counting TCP proxy in front of PostgreSQL, for the statement counts of bench/compare.ts: it passes
 * every byte through unchanged and reads the frontend messages (client → server) of the wire protocol,
 * counting the statements a client has the server run: each Execute ('E', extended protocol: postgres.js
 * and node-postgres alike, prepared or not) and each simple Query ('Q', which may hold several statements
 * but is counted once). Parse, Bind, Describe and Sync are not statements and are not counted. It is only
 * in the path during the counting pass, never while throughput is measured.
 */
import net from 'node:net';

/** StartupMessage, SSLRequest, GSSENCRequest and CancelRequest have no type byte. */
const UNTYPED_STARTUP = 196608;

export interface CountingProxy {
  port: number;
  /** Statements run since the last reset, by the application_name of the connection's startup message. */
  counts(): Map<string, number>;
  /** The same, by application_name and SQL text (as parsed or sent). */
  statements(application: string): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const bySql = new Map<string, Map<string, number>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let application = '?';
    let started = false;
    let pending: Buffer = Buffer.alloc(0);
    // Extended protocol: Parse names a statement's SQL, Bind puts a statement in a portal, Execute runs it.
    const prepared = new Map<string, string>();
    const portals = new Map<string, string>();
    const cString = (from: number) => {
      const end = pending.indexOf(0, from);
      return { text: pending.subarray(from, end).toString('utf8'), next: end + 1 };
    };
    const count = (text: string) => {
      counts.set(application, (counts.get(application) ?? 0) + 1);
      const map = bySql.get(application) ?? new Map<string, number>();
      bySql.set(application, map);
      map.set(text, (map.get(text) ?? 0) + 1);
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        if (!started) {
          if (pending.length - at < 8) break;
          const length = pending.readInt32BE(at);
          if (pending.length - at < length) break;
          const code = pending.readInt32BE(at + 4);
          if (code === UNTYPED_STARTUP) {
            started = true;
            // Parameters: NUL-terminated name/value pairs.
            const parts = pending
              .subarray(at + 8, at + length)
              .toString('utf8')
              .split('\0');
            const index = parts.indexOf('application_name');
            if (index !== -1) application = parts[index + 1];
          }
          at += length;
        } else {
          if (pending.length - at < 5) break;
          const type = pending[at];
          const length = pending.readInt32BE(at + 1);
          if (pending.length - at < length + 1) break;
          const body = at + 5;
          if (type === 0x50 /* P */) {
            const name = cString(body);
            prepared.set(name.text, cString(name.next).text);
          } else if (type === 0x42 /* B */) {
            const portal = cString(body);
            portals.set(portal.text, prepared.get(cString(portal.next).text) ?? '?');
          } else if (type === 0x45 /* E */) {
            count(portals.get(cString(body).text) ?? '?');
          } else if (type === 0x51 /* Q */) {
            count(cString(body).text);
          }
          at += length + 1;
        }
      }
      pending = at === pending.length ? Buffer.alloc(0) : pending.subarray(at);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    counts: () => new Map(counts),
    statements: (application) => new Map(bySql.get(application) ?? []),
    reset: () => {
      counts.clear();
      bySql.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
