import { configFromEnv, portOf, startServer } from '@mfakit/example-shared';
import type { INestApplication } from '@nestjs/common';
import { createApp } from './app';

/** `pnpm start:nestjs`: the NestJS demo on http://localhost:PORT, configured from the environment (see examples/shared/src/config.ts). */
async function main(): Promise<void> {
  const config = configFromEnv(process.env, (message) => console.warn(`[demo] ${message}`));
  // Listen first: without WEBAUTHN_ORIGINS the passkey origin is http://localhost:<the port we got>.
  const server = await startServer(null, config.port);
  const port = portOf(server);
  const origins = config.webauthn.origins ?? [`http://localhost:${port}`];
  let app: INestApplication;
  try {
    ({ app } = await createApp({
      jwtSecret: config.jwtSecret,
      encryptionKeys: config.encryptionKeys,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      webauthn: { rpID: config.webauthn.rpID, origins },
    }));
    await app.init();
    // Nest's Express instance answers the requests of the server that listens already.
    server.on('request', app.getHttpAdapter().getInstance());
  } catch (err) {
    server.close();
    throw err;
  }
  console.log(`mfakit demo (NestJS) on http://localhost:${port} (passkeys for ${config.webauthn.rpID} from ${origins.join(', ')})`);
  const stop = () => server.close(() => void app.close().finally(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown })?.code;
  console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
