/**
 * The Nest adapter against the adapter contract of @mfakit/testing (describeAdapterContract):
 * MfaGuard with @RequireMFA() and step-up, the controller's enrollment, verification and
 * management routes, passkeys, malformed input past Nest's own body parser, the per-IP rate limit
 * and failing closed, with the same expectations as on Express and Koa. The app is helpers.ts's
 * ProtectedController beside `MfaModule.forRoot(mfa)`, as an application would write it.
 */
import type { Server } from 'node:http';
import { describeAdapterContract } from '@mfakit/testing';
import type { Express } from 'express';
import { MfaModule } from '../src';
import { ProtectedController, startApp, TestAuthGuard } from './helpers';

describeAdapterContract('nestjs', async (mfa, { rateLimit, bodyLimit, trustProxy }) => {
  // startApp's app is closed after each test by helpers.ts.
  const app = await startApp({ imports: [MfaModule.forRoot(mfa, { guards: [TestAuthGuard], rateLimit, bodyLimit })], controllers: [ProtectedController] }, (nest) => {
    (nest.getHttpAdapter().getInstance() as Express).set('trust proxy', trustProxy ? 1 : false); // one proxy: the test client
  });
  return { handler: app.getHttpServer() as Server };
});
