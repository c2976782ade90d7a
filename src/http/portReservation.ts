import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../startupError.js';

/**
 * The hub's port, held from the first moment of `jingtu serve`: a port in use stops the start at once,
 * before the database is opened, created or migrated and before the demo data is loaded, and nobody can take
 * the port while that work runs. Meanwhile a placeholder answers every request with 503 and Retry-After
 * (a load balancer sees a hub that is starting); `handOver` gives the port to the hub's own server.
 */

const STARTING = JSON.stringify({
  errors: [
    {
      message: '枢纽正在启动，请稍后重试 / The hub is starting: try again in a moment',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    },
  ],
});

export interface PortReservation {
  /** The port held (the one the system picked when PORT is 0). */
  port: number;
  /** Closes the placeholder and has `server` listen on the port instead. */
  handOver(server: Server): Promise<void>;
  /** Gives the port up (a start that failed later). */
  release(): Promise<void>;
}

/** Why the hub cannot listen on host:port, as one line; undefined for an error that is not about that. */
function listenFailure(error: unknown, host: string, port: number): StartupError | undefined {
  const { code } = error as NodeJS.ErrnoException;
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `${where} is already in use (by another program, or a hub already running): stop it, or set PORT to a free port`,
      );
    case 'EACCES':
      return new StartupError(
        `not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1: this machine only, 0.0.0.0: every interface)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`cannot resolve the host name ${host}: set HOST to an address of this machine`);
    default:
      return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(listenFailure(error, host, port) ?? error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Holds host:port for the hub, or throws a StartupError saying why it cannot. */
export async function reservePort(host: string, port: number): Promise<PortReservation> {
  const placeholder = createServer((_req, res) => {
    res
      .writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'retry-after': '5',
        'cache-control': 'no-store',
        connection: 'close',
      })
      .end(STARTING);
  });
  await listen(placeholder, port, host);
  const held = (placeholder.address() as AddressInfo).port;
  const release = () =>
    new Promise<void>((resolve) => {
      placeholder.close(() => resolve());
      placeholder.closeAllConnections();
    });
  return {
    port: held,
    release,
    async handOver(server) {
      await release();
      await listen(server, held, host);
    },
  };
}
