import fs from 'node:fs';
import path from 'node:path';
import {
  BODY_LIMIT,
  type DemoAppOptions,
  demoSetup,
  jwtKey,
  MFA_CLIENT_PATH,
  mfaClientBundle,
  PAYEE_HELP,
  parsePayee,
  parseTransfer,
  payeeAdded,
  problem,
  PUBLIC_DIR,
  TRANSFER_HELP,
  transferMade,
  WEBAUTHN_BROWSER_BUNDLE,
} from '@mfakit/example-shared';
import type { Mfa } from '@mfakit/core';
import { keepRawBody, mfaAdminRouter, mfaRouter, requireFreshMfa, requireMfa, writeResult } from '@mfakit/express';
import express, { type Express, type RequestHandler } from 'express';
import { jwtPassport, loginRoute, requireAuth } from './auth';
import { errorHandler, notFound, securityHeaders } from './problems';

export type { DemoAppOptions };

/** Serves the WebAuthn browser bundle; `root` keeps send's dot-file rule to the file name (pnpm's path has `.pnpm`). */
function webauthnBrowserScript(): RequestHandler {
  if (!fs.existsSync(WEBAUTHN_BROWSER_BUNDLE)) throw new Error(`@simplewebauthn/browser's bundle is missing at ${WEBAUTHN_BROWSER_BUNDLE}: run pnpm install`);
  const root = path.dirname(WEBAUTHN_BROWSER_BUNDLE);
  const file = path.basename(WEBAUTHN_BROWSER_BUNDLE);
  return function webauthnBrowserScript(_req, res, next) {
    res.sendFile(file, { root }, (err) => err && next(err));
  };
}

/** Serves @mfakit/client, bundled once (see mfaClientBundle): the page's fetch, which answers step-up challenges. */
function mfaClientScript(): RequestHandler {
  const script = mfaClientBundle();
  return function mfaClientScript(_req, res) {
    res.type('js').send(script);
  };
}

/**
 * JSON bodies only: another media type is a 415 problem, malformed JSON a 400 (see errorHandler).
 * The exact bytes stay as `req.rawBody`, for the step-up grant of `POST /api/payees`, bound to them.
 */
const jsonBody: RequestHandler[] = [
  function requireJson(req, res, next) {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is('application/json')) return writeResult(res, problem('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
    next();
  },
  express.json({ limit: BODY_LIMIT, verify: keepRawBody }),
];

/** Checks a transfer before the step-up check, so a malformed one does not spend the user's code. */
const validateTransfer: RequestHandler = function validateTransfer(req, res, next) {
  const transfer = parseTransfer(req.body);
  if (!transfer) return writeResult(res, problem('invalid_request', TRANSFER_HELP));
  res.locals.transfer = transfer;
  next();
};

/** Checks a payee before the step-up check, so a malformed one spends neither the grant nor the code. */
const validatePayee: RequestHandler = function validatePayee(req, res, next) {
  const payee = parsePayee(req.body);
  if (!payee) return writeResult(res, problem('invalid_request', PAYEE_HELP));
  res.locals.payee = payee;
  next();
};

/**
 * The mfakit demo: passport-jwt login, the enrollment router at `/mfa` (authenticator apps,
 * passkeys, codes by email or SMS, recovery codes), the admin routes at `/mfa/admin`, a protected
 * route, a step-up route, a route that wants a proof made for each request (`POST /api/payees`),
 * the account routes (`/api/me`, `/api/notifications`, `/api/outbox`), the enrollment page with
 * @mfakit/client, and RFC 9457 problems for every error.
 *
 * @example
 * const { app } = createApp({ clock: new FakeClock() });
 * await request(app).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
 */
export function createApp(options: DemoAppOptions = {}): { app: Express; mfa: Mfa } {
  const { mfa, clock, logger, jwtSecret, freshMaxAgeSeconds, admin, account } = demoSetup(options);
  const key = jwtKey(jwtSecret);
  const auth = requireAuth(jwtPassport(key));

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', dotfiles: 'ignore' }));
  app.get('/vendor/simplewebauthn-browser.js', webauthnBrowserScript());
  app.get(MFA_CLIENT_PATH, mfaClientScript());

  app.post('/auth/login', ...jsonBody, loginRoute(key, clock));
  // The admin routes before the enrollment router, which answers 404 for every path it does not know.
  app.use('/mfa/admin', auth, mfaAdminRouter(mfa, admin));
  app.use('/mfa', auth, mfaRouter(mfa, options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }));
  app.get('/api/me', auth, (req, res) => writeResult(res, account.me(req.user!)));
  app.get('/api/notifications', auth, (req, res) => writeResult(res, account.notifications(req.user!)));
  app.get('/api/outbox', auth, (req, res) => writeResult(res, account.outbox(req.user!)));
  app.get('/api/profile', auth, requireMfa(mfa), (req, res) => {
    res.set('Cache-Control', 'no-store').json({ user: { id: req.user!.id }, mfa: req.mfa });
  });
  app.post('/api/transfers', auth, ...jsonBody, validateTransfer, requireFreshMfa(mfa, { maxAge: freshMaxAgeSeconds }), (req, res) => {
    res.status(201).json(transferMade(req.user!.id, res.locals.transfer, clock));
  });
  // A proof for this very request: a step-up grant made for its method, path and body, spent here.
  app.post('/api/payees', auth, ...jsonBody, validatePayee, requireFreshMfa(mfa, { once: { bindBody: true } }), (req, res) => {
    res.status(201).json(payeeAdded(req.user!.id, res.locals.payee, clock));
  });

  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, mfa };
}
