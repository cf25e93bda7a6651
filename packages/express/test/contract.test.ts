/**
 * The Express adapter against the adapter contract of @mfakit/testing (describeAdapterContract):
 * requireMfa and step-up, enrollment, verification and lockout, the management routes, passkeys,
 * malformed input, the per-IP rate limit and failing closed, with the same expectations as on
 * Koa and NestJS. The app is helpers.ts's `buildApp`, as an application would write it.
 */
import { describeAdapterContract } from '@mfakit/testing';
import { buildApp } from './helpers';

describeAdapterContract('express', (mfa, { rateLimit, bodyLimit, trustProxy }) => {
  const app = buildApp(mfa, { rateLimit, bodyLimit: bodyLimit === undefined ? undefined : `${bodyLimit}b` });
  app.set('trust proxy', trustProxy ? 1 : false); // one proxy: the test client
  return { handler: app };
});
