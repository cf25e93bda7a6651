import { runDemo } from '@mfakit/example-shared';
import { createApp } from './app';

/** `pnpm start`: the Fastify demo on http://localhost:PORT, configured from the environment. */
runDemo('Fastify', async (options) => {
  const { app } = createApp(options);
  await app.ready();
  // Fastify's own request handler, for the servers that listen already.
  return { handler: app.routing, close: () => app.close() };
});
