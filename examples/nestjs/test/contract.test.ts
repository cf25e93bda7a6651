/**
 * The NestJS demo against the HTTP contract of every demo (@mfakit/testing's
 * describeHttpContract), with the same expectations as the Express and Koa demos. The factory
 * hands the suite Nest's own HTTP server, not listening yet: the suite listens on it and closes
 * it, and `close` shuts the application down.
 */
import { describeHttpContract } from '@mfakit/testing';
import { createApp } from '../src/app';

describeHttpContract('nestjs', async (options) => {
  const { app } = await createApp(options);
  await app.init();
  return { handler: app.getHttpServer(), close: () => app.close() };
});
