/**
 * A minimal Express application around mfakit, as a user of the library would write it, for the
 * supertest suites of the HTTP contract (DESIGN.md, "The HTTP contract").
 *
 * The primary authentication is a stand-in: `X-Test-User: <id>` makes `req.user = { id }`, no
 * header leaves the request anonymous. Time is a FakeClock unless a test asks for the real one.
 */
import { createMfa, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { FakeClock, hotpCode, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import express, { type Express, type Request, type RequestHandler } from 'express';
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
  app: Express;
  mfa: Mfa;
  /** The fake clock, or null when the harness runs on the real clock. */
  clock: FakeClock | null;
  logs: Logs;
  events: MfaEvent[];
}

export interface HarnessOptions {
  /** Extra options for createMfa (override the defaults below). */
  mfa?: Partial<MfaOptions>;
  /** Options for mfaRouter. */
  router?: MfaRouterOptions;
  /** The clock; null runs on the real clock (interop tests only). @default a new FakeClock */
  clock?: FakeClock | null;
}

type WithUser = Request & { user?: { id: string } };

/** The fake primary authentication: the user named in `X-Test-User`, or none. */
export const testAuth: RequestHandler = function testAuth(req, _res, next) {
  const id = req.get('X-Test-User');
  if (id) (req as WithUser).user = { id };
  next();
};

/** Mounts the router and the three kinds of protected route on a new Express app. */
export function buildApp(mfa: Mfa, routerOptions: MfaRouterOptions = {}): Express {
  const app = express();
  app.use('/mfa', testAuth, mfaRouter(mfa, routerOptions));
  app.get('/protected', testAuth, requireMfa(mfa), (req, res) => {
    res.json({ ok: true, user: (req as WithUser).user?.id, mfa: req.mfa });
  });
  app.post('/sensitive', testAuth, requireFreshMfa(mfa, { maxAge: SENSITIVE_MAX_AGE }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  app.get('/hwk-only', testAuth, requireMfa(mfa, { methods: ['hwk'] }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  return app;
}

/** A new app, core, clock, captured logs and audit events: one per test, nothing shared. */
export function makeHarness(options: HarnessOptions = {}): Harness {
  const clock = options.clock === undefined ? new FakeClock() : options.clock;
  const logs: Logs = { warn: [], error: [] };
  const events: MfaEvent[] = [];
  const mfa = createMfa({
    issuer: 'Acme',
    encryptionKeys: TEST_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    logger: { warn: (m) => logs.warn.push(m), error: (m) => logs.error.push(m) },
    onEvent: (event) => events.push(event),
    ...(clock ? { clock } : {}),
    ...options.mfa,
  });
  return { app: buildApp(mfa, options.router), mfa, clock, logs, events };
}

/** The clock of a harness that must have one. */
export function fakeClockOf(h: Harness): FakeClock {
  if (!h.clock) throw new Error('this harness runs on the real clock');
  return h.clock;
}

/**
 * The next code an authenticator app shows: moves the clock one TOTP step on first, because a
 * code of a step already used is refused (replay protection).
 */
export function nextTotp(h: Harness, secret: string): string {
  const clock = fakeClockOf(h);
  clock.advanceSeconds(30);
  return totpCode(secret, clock);
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
    .send({ code: totpCode(secret, fakeClockOf(h)) })
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
    .send({ code: hotpCode(secret, 0) });
  if (confirmed.status !== 200) throw new Error(`HOTP confirmation answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

export { expectChallenge, expectProblem } from '@mfakit/testing';
