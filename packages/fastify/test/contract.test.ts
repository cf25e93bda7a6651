/**
 * The Fastify adapter against the adapter contract of @mfakit/testing (describeAdapterContract):
 * requireMfa and step-up, enrollment, verification and lockout, the management routes, passkeys,
 * malformed input, the per-IP rate limit and failing closed, with the same expectations as on
 * Express, Koa and NestJS. The app is helpers.ts's `buildApp`, as an application would write it.
 */
import { describeAdapterContract } from '@mfakit/testing';
import { buildApp } from './helpers';

describeAdapterContract('fastify', async (mfa, { trustProxy, ...router }) => {
  const app = buildApp(mfa, router, trustProxy);
  await app.ready();
  return { handler: app.server, close: () => app.close() };
});
