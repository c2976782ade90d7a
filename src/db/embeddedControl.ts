import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The embedded database's control endpoint: how a command asks the process that owns the data folder for
 * what only that process can do. A backup is one: only the PGlite that has the folder open may read it
 * (PGlite does not share a folder). HTTP on 127.0.0.1 at a free port, one route, answered only to a caller
 * that shows the token the owner wrote to owner.json (readable by the folder's user only, src/db/embedded.ts).
 */

export interface ControlServer {
  port: number;
  /** The secret a caller shows (hex, 32 bytes). */
  token: string;
  stop(): Promise<void>;
}

export interface ControlHandlers {
  /** A consistent copy of the database folder, gzipped tar (PGlite's dumpDataDir). */
  backup(): Promise<Blob>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function answer(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

export async function serveControl(handlers: ControlHandlers): Promise<ControlServer> {
  const token = randomBytes(32).toString('hex');
  const expected = digest(`Bearer ${token}`);
  let backingUp = false;
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    request.resume(); // no route reads a body
    if (request.method !== 'POST' || request.url !== '/backup') return answer(response, 404, 'no such route');
    // Compared as digests: constant time whatever the length of what was sent.
    const shown = digest(String(request.headers.authorization ?? ''));
    if (!timingSafeEqual(shown, expected)) return answer(response, 401, 'wrong or missing token');
    if (backingUp) return answer(response, 409, 'a backup is already under way');
    backingUp = true;
    try {
      const copy = await handlers.backup();
      response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(copy.size) });
      await pipeline(Readable.fromWeb(copy.stream() as never), response);
    } catch (error) {
      if (!response.headersSent) answer(response, 500, `backup failed: ${(error as Error).message}`);
      else response.destroy(error as Error);
    } finally {
      backingUp = false;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('control endpoint: no address');
  return {
    port: address.port,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
