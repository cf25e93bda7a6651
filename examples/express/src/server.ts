import { createApp } from './app';
import { configFromEnv } from './config';
import { portOf, startServer } from './listen';

/** `pnpm start`: the demo on http://localhost:PORT, configured from the environment (see config.ts). */
async function main(): Promise<void> {
  const config = configFromEnv(process.env, (message) => console.warn(`[demo] ${message}`));
  const { app } = createApp({ jwtSecret: config.jwtSecret, encryptionKeys: config.encryptionKeys, freshMaxAgeSeconds: config.freshMaxAgeSeconds });
  const server = await startServer(app, config.port);
  console.log(`mfakit demo on http://localhost:${portOf(server)}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown })?.code;
  console.error(`Could not start the demo${code ? ` (${String(code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
