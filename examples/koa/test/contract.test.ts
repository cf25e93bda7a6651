import { describeHttpContract } from '@mfakit/testing';
import { createApp } from '../src/app';

describeHttpContract('koa', async (options) => {
  const { app, mfa } = createApp(options);
  return { handler: app.callback(), mfa };
});
