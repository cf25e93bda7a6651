import type { RequestListener, Server } from 'node:http';
import path from 'node:path';
import { configFromEnv } from './config';
import { consoleLogger, type DemoAppOptions } from './demo';
import { portOf, startServer } from './listen';
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
 * its URL. Exits with a message when it cannot start.
 */
export function runDemo(framework: string, build: (options: DemoAppOptions) => Promise<Served>): void {
  serve(framework, build).catch((err: unknown) => {
    const code = (err as { code?: unknown })?.code;
    console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

async function serve(framework: string, build: (options: DemoAppOptions) => Promise<Served>): Promise<void> {
  const config = configFromEnv(process.env, consoleLogger.warn);
  const opened = await openDemoStores({ ...config, dataDir: config.dataDir ?? path.join(DEMO_DATA_ROOT, framework.toLowerCase()) }, consoleLogger);
  let server: Server | undefined;
  let served: Served;
  try {
    server = await startServer(null, config.port);
    const origins = config.webauthn.origins ?? [`http://localhost:${portOf(server)}`];
    served = await build({
      jwtSecret: config.jwtSecret,
      encryptionKeys: opened.encryptionKeys,
      stores: opened.stores,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      webauthn: { rpID: config.webauthn.rpID, origins },
    });
    console.log(`mfakit demo (${framework}) on http://localhost:${portOf(server)} (passkeys for ${config.webauthn.rpID} from ${origins.join(', ')}; ${opened.description})`);
  } catch (err) {
    server?.close();
    await opened.close();
    throw err;
  }
  server.on('request', served.handler);
  const listening = server;
  const stop = () => listening.close(() => void (served.close?.() ?? Promise.resolve()).then(opened.close).finally(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
