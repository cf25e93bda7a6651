/**
 * A minimal Express application around mfakit, as a user of the library would write it: the app
 * the adapter contract suite runs against (contract.test.ts), and what Express's own tests (and
 * the root interop test) share.
 *
 * The primary authentication is a stand-in: `X-Test-User: <id>` makes `req.user = { id }`, no
 * header leaves the request anonymous. Time is a FakeClock unless a test asks for the real one.
 */
import { createMfa, type Mfa, type MfaOptions } from '@mfakit/core';
import { ADAPTER_STEP_UP_MAX_AGE, FakeClock, TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from '@mfakit/testing';
import express, { type Express, type Request, type RequestHandler } from 'express';
import { keepRawBody, type MfaRouterOptions, mfaRouter, requireFreshMfa, requireMfa } from '../src';

type WithUser = Request & { user?: { id: string } };

/** The fake primary authentication: the user named in `X-Test-User`, or none. */
export const testAuth: RequestHandler = function testAuth(req, _res, next) {
  const id = req.get('X-Test-User');
  if (id) (req as WithUser).user = { id };
  next();
};

/**
 * Mounts the router at /mfa and the four kinds of protected route on a new Express app:
 * `GET /protected`, `POST /sensitive` (step-up), `GET /hwk-only` and `POST /once` (a proof for that request alone).
 */
export function buildApp(mfa: Mfa, routerOptions: MfaRouterOptions = {}): Express {
  const app = express();
  app.use(testAuth);
  app.use('/mfa', mfaRouter(mfa, routerOptions));
  app.get('/protected', requireMfa(mfa), (req, res) => {
    res.json({ ok: true, user: (req as WithUser).user?.id, mfa: req.mfa });
  });
  app.post('/sensitive', requireFreshMfa(mfa, { maxAge: ADAPTER_STEP_UP_MAX_AGE }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  app.get('/hwk-only', requireMfa(mfa, { methods: ['hwk'] }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  app.post('/once', express.json({ verify: keepRawBody }), requireFreshMfa(mfa, { once: { bindBody: true } }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  return app;
}

/** A core with the test key, on a new FakeClock unless `clock` is null (the real clock, for interop tests only). */
export function testMfa(options: Partial<MfaOptions> = {}, clock: FakeClock | null = new FakeClock()): Mfa {
  return createMfa({ issuer: 'Acme', encryptionKeys: TEST_ENCRYPTION_KEYS, recoveryCodeCost: TEST_RECOVERY_CODE_COST, ...(clock ? { clock } : {}), ...options });
}

/** A new core and the app around it. */
export function makeHarness(options: { mfa?: Partial<MfaOptions>; clock?: FakeClock | null } = {}): { app: Express; mfa: Mfa } {
  const mfa = testMfa(options.mfa, options.clock);
  return { app: buildApp(mfa), mfa };
}

export { expectProblem } from '@mfakit/testing';
