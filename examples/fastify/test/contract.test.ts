/**
 * The Fastify demo against the HTTP contract of every demo (@mfakit/testing's
 * describeHttpContract), with the same expectations as the Express, Koa and NestJS demos. The
 * factory hands the suite Fastify's request handler (`app.routing`, what `pnpm start` serves)
 * once the plugins are loaded; `close` shuts the instance down.
 */
import { describeHttpContract } from '@mfakit/testing';
import { createApp } from '../src/app';

describeHttpContract('fastify', async (options) => {
  const { app } = createApp(options);
  await app.ready();
  return { handler: app.routing, close: () => app.close() };
});
