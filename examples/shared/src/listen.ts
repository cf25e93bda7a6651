import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, isIPv6 } from 'node:net';
import { answerClientError } from '@mfakit/core/http';

/**
 * Starts an HTTP server for the app on `port` (0: any free port); resolves once it listens. With
 * `app` null the server listens first and the caller attaches the app (`server.on('request',
 * app)`) once it knows the port, e.g. to build the WebAuthn origin from it.
 */
export function startServer(app: RequestListener | null, port: number, host?: string): Promise<Server> {
  const server = app ? createServer(app) : createServer();
  server.on('clientError', answerClientError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The port a listening server got. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** A listening server's address as a URL's authority shows it: `127.0.0.1:3000`, `[::1]:3000`. */
export function addressOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The loopback addresses a demo listens on unless HOST names another: both, because browsers and
 * Node resolve `localhost` to either 127.0.0.1 or ::1.
 */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1'];

// What listen() reports for an address this machine lacks (no ::1 where IPv6 is off): skipped.
const ADDRESS_UNAVAILABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);
const PORT_ATTEMPTS = 5; // port 0: tries for a port that is free on every host

/** Whether an address (or `localhost`) only reaches this machine: 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
export function isLoopback(host: string): boolean {
  const address = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return address === 'localhost' || address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * Where a demo listens, from the environment's HOST: the loopback addresses when it is unset or
 * empty, else that address alone. The demos have public development secrets and users, so an
 * address beyond loopback comes with a warning to print.
 * @example demoHosts(process.env.HOST) // { hosts: ['127.0.0.1', '::1'] }
 */
export function demoHosts(host: string | undefined): { hosts: string[]; warning?: string } {
  const named = host?.trim().replace(/^\[(.*)\]$/, '$1'); // [::1] as in a URL: listen() wants ::1
  if (!named) return { hosts: [...LOOPBACK_HOSTS] };
  if (isLoopback(named)) return { hosts: [named] };
  return {
    hosts: [named],
    warning:
      `HOST=${named}: the demo listens beyond this machine, and its tokens are public: its accounts' passwords are in its source, and so is ` +
      'the secret that signs its access tokens unless JWT_SECRET is set. Anyone who can reach it can act as any user, admin included. ' +
      'Unset HOST to listen on loopback only.',
  };
}

/**
 * Starts one server per host, all on the same port (with `port` 0, one that is free on every
 * host), for the same app; resolves once they all listen. The first host must be available; a
 * later one that this machine lacks (::1 where IPv6 is off) is left out. With `app` null the
 * caller attaches the app to each server later, as with {@link startServer}.
 */
export async function startServers(app: RequestListener | null, port: number, hosts: readonly string[]): Promise<Server[]> {
  const [first, ...others] = hosts;
  if (first === undefined) throw new RangeError('startServers needs at least one host');
  for (let attempt = 1; ; attempt += 1) {
    const servers = [await startServer(app, port, first)];
    try {
      for (const host of others) {
        const server = await startServer(app, portOf(servers[0]!), host).catch((err: NodeJS.ErrnoException) => {
          if (ADDRESS_UNAVAILABLE.has(err.code ?? '')) return null;
          throw err;
        });
        if (server) servers.push(server);
      }
      return servers;
    } catch (err) {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!(taken && port === 0 && attempt < PORT_ATTEMPTS)) throw err;
    }
  }
}
