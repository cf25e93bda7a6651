import type { RequestListener, Server } from 'node:http';
import path from 'node:path';
import { configFromEnv } from './config';
import { consoleLogger, type DemoAppOptions } from './demo';
import { addressOf, demoHosts, portOf, startServers } from './listen';
import { openDemoStores } from './stores';

/** The folder under which each demo keeps its embedded database unless MFA_DATA_DIR says otherwise. */
export const DEMO_DATA_ROOT = path.join(__dirname, '..', '..', '..', '.demo-data');

/** A started demo: what answers requests, and how to shut it down. */
export interface Served {
  handler: RequestListener;
  close?(): Promise<void>;
}

/**
 * `pnpm start` of every demo: reads the environment (see config.ts), opens the stores (see
 * stores.ts), listens on PORT first (so that, without WEBAUTHN_ORIGINS, the passkey origin is
 * `http://localhost:<the port it got>`), builds the framework's app with those options, and prints
 * its URL and the addresses it listens on. It listens on the loopback addresses 127.0.0.1 and ::1
 * only (the demo's passwords and, without JWT_SECRET, its token secret are public), unless HOST
 * names an address: then on that one alone, with a warning. Exits with a message when it cannot
 * start.
 */
export function runDemo(framework: string, build: (options: DemoAppOptions) => Promise<Served>): void {
  serve(framework, build).catch((err: unknown) => {
    const code = (err as { code?: unknown })?.code;
    console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/** Starts the demo's servers where `pnpm start` does (see {@link runDemo}), printing the warning of a non-loopback HOST. */
export async function listenForDemo(port: number, host: string | undefined, warn: (message: string) => void): Promise<Server[]> {
  const { hosts, warning } = demoHosts(host);
  if (warning) warn(warning);
  return startServers(null, port, hosts);
}

async function serve(framework: string, build: (options: DemoAppOptions) => Promise<Served>): Promise<void> {
  const config = configFromEnv(process.env, consoleLogger.warn);
  const opened = await openDemoStores({ ...config, dataDir: config.dataDir ?? path.join(DEMO_DATA_ROOT, framework.toLowerCase()) }, consoleLogger);
  let servers: Server[] = [];
  let served: Served;
  try {
    servers = await listenForDemo(config.port, process.env.HOST, consoleLogger.warn);
    const port = portOf(servers[0]!);
    const origins = config.webauthn.origins ?? [`http://localhost:${port}`];
    served = await build({
      jwtSecret: config.jwtSecret,
      encryptionKeys: opened.encryptionKeys,
      stores: opened.stores,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      webauthn: { rpID: config.webauthn.rpID, origins },
    });
    const addresses = servers.map(addressOf).join(' and ');
    console.log(`mfakit demo (${framework}) on http://localhost:${port} (listening on ${addresses}; passkeys for ${config.webauthn.rpID} from ${origins.join(', ')}; ${opened.description})`);
  } catch (err) {
    for (const server of servers) server.close();
    await opened.close();
    throw err;
  }
  for (const server of servers) server.on('request', served.handler);
  const listening = servers;
  let open = listening.length;
  const stop = () => {
    for (const server of listening) {
      server.close(() => {
        open -= 1;
        if (open === 0) void (served.close?.() ?? Promise.resolve()).then(opened.close).finally(() => process.exit(0));
      });
    }
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
