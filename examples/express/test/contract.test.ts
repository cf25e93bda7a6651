/**
 * The Express demo against the HTTP contract of every demo (@mfakit/testing's
 * describeHttpContract): login, enrollment, step-up, lockout, recovery, passkeys, codes by
 * email and SMS, an SSO's MFA, the admin routes, malformed input and the page, with the same
 * expectations as the Koa and NestJS demos.
 */
import { describeHttpContract } from '@mfakit/testing';
import { createApp } from '../src/app';

describeHttpContract('express', async (options) => {
  const { app } = createApp(options);
  return { handler: app };
});
