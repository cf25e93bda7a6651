import { runDemo } from '@mfakit/example-shared';
import { createApp } from './app';

/** `pnpm start`: the NestJS demo on http://localhost:PORT, configured from the environment. */
runDemo('NestJS', async (options) => {
  const { app } = await createApp(options);
  await app.init();
  // Nest's Express instance answers the requests of the server that listens already.
  return { handler: app.getHttpAdapter().getInstance(), close: () => app.close() };
});
