/**
 * The Koa demo against the HTTP contract of every demo (@mfakit/testing's describeHttpContract),
 * with the same expectations as the Express and NestJS demos.
 */
import { describeHttpContract } from '@mfakit/testing';
import { createApp } from '../src/app';

describeHttpContract('koa', async (options) => {
  const { app } = createApp(options);
  return { handler: app.callback() };
});
