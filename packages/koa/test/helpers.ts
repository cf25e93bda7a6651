/**
 * A minimal Koa application around mfakit, as a user of the library would write it: the app the
 * adapter contract suite runs against (contract.test.ts), and what Koa's own tests share.
 *
 * The primary authentication is a stand-in: `X-Test-User: <id>` makes `ctx.state.user = { id }`,
 * as koa-passport and koa-jwt would; no header leaves the request anonymous. Time is a FakeClock.
 */
import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import { createMfa, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { ADAPTER_STEP_UP_MAX_AGE, enrollTotpOverHttp, type EnrolledOverHttp, expectProblem as expectSharedProblem, FakeClock, TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from '@mfakit/testing';
import Koa, { type Middleware } from 'koa';
import type request from 'supertest';
import { jsonBody, type MfaRouterOptions, mfaRouter, requireFreshMfa, requireMfa } from '../src';

/** The step-up window of `POST /sensitive`, in seconds. */
export const SENSITIVE_MAX_AGE = ADAPTER_STEP_UP_MAX_AGE;

export interface Harness {
  /** The Koa application's request handler (`app.callback()`), for supertest. */
  app: RequestListener;
  koa: Koa;
  mfa: Mfa;
  clock: FakeClock;
  events: MfaEvent[];
}

export interface HarnessOptions {
  /** Extra options for createMfa (override the defaults below). */
  mfa?: Partial<MfaOptions>;
  /** Options for mfaRouter. */
  router?: MfaRouterOptions;
}

/** The fake primary authentication: the user named in `X-Test-User`, or none. */
export const testAuth: Middleware = async function testAuth(ctx, next) {
  const id = ctx.get('X-Test-User');
  if (id) ctx.state.user = { id };
  await next();
};

/** Mounts the router and the four kinds of protected route (`/once`: a proof for that request alone) on a new Koa app. */
export function buildApp(mfa: Mfa, routerOptions: MfaRouterOptions = {}): Koa {
  const app = new Koa();
  app.use(testAuth);
  app.use(mfaRouter(mfa, routerOptions).routes());
  const api = new Router();
  api.get('/protected', requireMfa(mfa), (ctx) => {
    ctx.body = { ok: true, user: ctx.state.user?.id, mfa: ctx.state.mfa };
  });
  api.post('/sensitive', requireFreshMfa(mfa, { maxAge: SENSITIVE_MAX_AGE }), (ctx) => {
    ctx.body = { ok: true, mfa: ctx.state.mfa };
  });
  api.get('/hwk-only', requireMfa(mfa, { methods: ['hwk'] }), (ctx) => {
    ctx.body = { ok: true, mfa: ctx.state.mfa };
  });
  api.post('/once', jsonBody('16kb'), requireFreshMfa(mfa, { once: { bindBody: true } }), (ctx) => {
    ctx.body = { ok: true, mfa: ctx.state.mfa };
  });
  app.use(api.routes());
  return app;
}

/** A new app, core, clock and audit events: one per test, nothing shared. */
export function makeHarness(options: HarnessOptions = {}): Harness {
  const clock = new FakeClock();
  const events: MfaEvent[] = [];
  const mfa = createMfa({
    issuer: 'Acme',
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    logger: { warn: () => {}, error: () => {} },
    onEvent: (event) => events.push(event),
    clock,
    ...options.mfa,
  });
  const koa = buildApp(mfa, options.router);
  return { app: koa.callback(), koa, mfa, clock, events };
}

/** Enrolls and confirms a first TOTP factor through the router; fails the test on any surprise. */
export function enrollTotp(h: Harness, user: string): Promise<EnrolledOverHttp> {
  return enrollTotpOverHttp(h.app, h.clock, { user });
}

/** The shared problem assertion, plus the charset Koa writes, as Express does. */
export function expectProblem(res: request.Response, status: number, code: string): void {
  expectSharedProblem(res, status, code);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
}
