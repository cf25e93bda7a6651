/**
 * A minimal Koa application around mfakit, as a user of the library would write it, for the
 * supertest suites of the HTTP contract (DESIGN.md, "The HTTP contract"). The counterpart of
 * packages/express/test/helpers.ts: the same routes, the same stand-in authentication.
 *
 * The primary authentication is a stand-in: `X-Test-User: <id>` makes `ctx.state.user = { id }`,
 * as koa-passport and koa-jwt would; no header leaves the request anonymous. Time is a FakeClock.
 */
import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import { createMfa, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { expectProblem as expectSharedProblem, FakeClock, hotpCode, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { type MfaRouterOptions, mfaRouter, requireFreshMfa, requireMfa } from '../src';

/** A fixed 32-byte key: tests need no key material from the environment. */
export const TEST_KEYS = [{ id: 'test1', key: Buffer.alloc(32, 0x5a) }];

/** The step-up window of `POST /sensitive`, in seconds. */
export const SENSITIVE_MAX_AGE = 300;

export interface Logs {
  warn: string[];
  error: string[];
}

export interface Harness {
  /** The Koa application's request handler (`app.callback()`), for supertest. */
  app: RequestListener;
  koa: Koa;
  mfa: Mfa;
  clock: FakeClock;
  logs: Logs;
  events: MfaEvent[];
}

export interface HarnessOptions {
  /** Extra options for createMfa (override the defaults below). */
  mfa?: Partial<MfaOptions>;
  /** Options for mfaRouter. */
  router?: MfaRouterOptions;
  /** The clock. @default a new FakeClock */
  clock?: FakeClock;
}

/** The fake primary authentication: the user named in `X-Test-User`, or none. */
export const testAuth: Middleware = async function testAuth(ctx, next) {
  const id = ctx.get('X-Test-User');
  if (id) ctx.state.user = { id };
  await next();
};

/** Mounts the router and the three kinds of protected route on a new Koa app. */
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
  app.use(api.routes());
  return app;
}

/** A new app, core, clock, captured logs and audit events: one per test, nothing shared. */
export function makeHarness(options: HarnessOptions = {}): Harness {
  const clock = options.clock ?? new FakeClock();
  const logs: Logs = { warn: [], error: [] };
  const events: MfaEvent[] = [];
  const mfa = createMfa({
    issuer: 'Acme',
    encryptionKeys: TEST_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    logger: { warn: (m) => logs.warn.push(m), error: (m) => logs.error.push(m) },
    onEvent: (event) => events.push(event),
    clock,
    ...options.mfa,
  });
  const koa = buildApp(mfa, options.router);
  return { app: koa.callback(), koa, mfa, clock, logs, events };
}

/**
 * The next code an authenticator app shows: moves the clock one TOTP step on first, because a
 * code of a step already used is refused (replay protection).
 */
export function nextTotp(h: Harness, secret: string): string {
  h.clock.advanceSeconds(30);
  return totpCode(secret, h.clock);
}

export interface Enrolled {
  factorId: string;
  secret: string;
  sessionToken: string;
  recoveryCodes: string[];
}

/** Enrolls and confirms a first TOTP factor through the router; fails the test on any surprise. */
export async function enrollTotp(h: Harness, user: string): Promise<Enrolled> {
  const started = await request(h.app).post('/mfa/totp').set('X-Test-User', user).expect(201);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(h.app)
    .post(`/mfa/totp/${factorId}/confirm`)
    .set('X-Test-User', user)
    .send({ code: totpCode(secret, h.clock) })
    .expect(200);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

/** Enrolls and confirms a first HOTP factor (counter 0) through the router. */
export async function enrollHotp(h: Harness, user: string): Promise<Enrolled> {
  const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', user).expect(201);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(h.app)
    .post(`/mfa/hotp/${factorId}/confirm`)
    .set('X-Test-User', user)
    .send({ code: hotpCode(secret, 0) })
    .expect(200);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

/** The shared problem assertion, plus the charset Koa writes, as Express does. */
export function expectProblem(res: request.Response, status: number, code: string): void {
  expectSharedProblem(res, status, code);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
}

export { expectChallenge } from '@mfakit/testing';
