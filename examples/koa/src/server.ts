import { configFromEnv, portOf, startServer } from '@mfakit/example-shared';
import { createApp } from './app';

/** `pnpm start`: the Koa demo on http://localhost:PORT, configured from the environment (see examples/shared/src/config.ts). */
async function main(): Promise<void> {
  const config = configFromEnv(process.env, (message) => console.warn(`[demo] ${message}`));
  // Listen first: without WEBAUTHN_ORIGINS the passkey origin is http://localhost:<the port we got>.
  const server = await startServer(null, config.port);
  const port = portOf(server);
  const origins = config.webauthn.origins ?? [`http://localhost:${port}`];
  try {
    const { app } = createApp({
      jwtSecret: config.jwtSecret,
      encryptionKeys: config.encryptionKeys,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      webauthn: { rpID: config.webauthn.rpID, origins },
    });
    server.on('request', app.callback());
  } catch (err) {
    server.close();
    throw err;
  }
  console.log(`mfakit demo (Koa) on http://localhost:${port} (passkeys for ${config.webauthn.rpID} from ${origins.join(', ')})`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown })?.code;
  console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
