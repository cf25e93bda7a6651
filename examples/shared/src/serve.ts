import type { RequestListener } from 'node:http';
import { configFromEnv } from './config';
import type { DemoAppOptions } from './demo';
import { portOf, startServer } from './listen';

/** A started demo: what answers requests, and how to shut it down. */
export interface Served {
  handler: RequestListener;
  close?(): Promise<void>;
}

/**
 * `pnpm start` of every demo: reads the environment (see config.ts), listens on PORT first (so that,
 * without WEBAUTHN_ORIGINS, the passkey origin is `http://localhost:<the port it got>`), builds the
 * framework's app with those options, and prints its URL. Exits with a message when it cannot start.
 */
export function runDemo(framework: string, build: (options: DemoAppOptions) => Promise<Served>): void {
  serve(framework, build).catch((err: unknown) => {
    const code = (err as { code?: unknown })?.code;
    console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

async function serve(framework: string, build: (options: DemoAppOptions) => Promise<Served>): Promise<void> {
  const config = configFromEnv(process.env, (message) => console.warn(`[demo] ${message}`));
  const server = await startServer(null, config.port);
  const port = portOf(server);
  const origins = config.webauthn.origins ?? [`http://localhost:${port}`];
  let served: Served;
  try {
    served = await build({
      jwtSecret: config.jwtSecret,
      encryptionKeys: config.encryptionKeys,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      webauthn: { rpID: config.webauthn.rpID, origins },
    });
  } catch (err) {
    server.close();
    throw err;
  }
  server.on('request', served.handler);
  console.log(`mfakit demo (${framework}) on http://localhost:${port} (passkeys for ${config.webauthn.rpID} from ${origins.join(', ')})`);
  const stop = () => server.close(() => void (served.close?.() ?? Promise.resolve()).finally(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
