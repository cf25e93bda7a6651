import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Clock, createMfa, type Mfa, type MfaEvent, type MfaLogger, type MfaOptions, systemClock, type WebAuthnOptions } from '@mfakit/core';
import { mfaRouter, type MfaRouterOptions, requireFreshMfa, requireMfa, writeResult } from '@mfakit/express';
import express, { type Express, type RequestHandler } from 'express';
import { jwtKey, jwtPassport, login, requireAuth } from './auth';
import { errorHandler, notFound, problem, securityHeaders } from './problems';
import { createTransfer, validateTransfer } from './transfers';
import { isServiceUser } from './users';

/** What tests (and `server.ts`) can set; every field has a development default. */
export interface DemoAppOptions {
  /** The HS256 secret for access tokens. @default 32 random bytes, new for each app */
  jwtSecret?: string;
  /** Step-up window of `POST /api/transfers`, in seconds. @default 300 */
  freshMaxAgeSeconds?: number;
  /** Passed to `createMfa`. @default mfakit's ephemeral development key */
  encryptionKeys?: MfaOptions['encryptionKeys'];
  /** mfakit's clock; tests pass a FakeClock. @default the wall clock */
  clock?: Clock;
  /** Where mfakit and the demo write warnings and failures. @default the console */
  logger?: MfaLogger;
  /** mfakit's audit events. @default none */
  onEvent?: (event: MfaEvent) => void;
  /** The per-IP limit on the code-checking routes of `/mfa`. @default mfaRouter's (30 a minute) */
  rateLimit?: MfaRouterOptions['rateLimit'];
  /**
   * mfakit's `webauthn` option, over the demo's relying party: rpID 'localhost', rpName
   * 'mfakit demo', origins `http://localhost:3000`. Set `origins` to where the page is served.
   */
  webauthn?: Partial<WebAuthnOptions>;
}

const DEFAULT_FRESH_MAX_AGE_SECONDS = 300;
const MAX_FRESH_MAX_AGE_SECONDS = 86_400;
const BODY_LIMIT = '16kb';
const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const DEMO_RELYING_PARTY: WebAuthnOptions = { rpID: 'localhost', rpName: 'mfakit demo', origins: ['http://localhost:3000'] };

/**
 * @simplewebauthn/browser's UMD bundle (`window.SimpleWebAuthnBrowser`), which the page loads from
 * this server rather than a CDN. Resolved at start-up, so a missing dependency stops the demo there.
 */
export const WEBAUTHN_BROWSER_BUNDLE = path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');

/** Serves the bundle above; `root` keeps send's dot-file rule to the file name (pnpm's path has `.pnpm`). */
function webauthnBrowserScript(): RequestHandler {
  if (!fs.existsSync(WEBAUTHN_BROWSER_BUNDLE)) throw new Error(`@simplewebauthn/browser's bundle is missing at ${WEBAUTHN_BROWSER_BUNDLE}: run pnpm install`);
  const root = path.dirname(WEBAUTHN_BROWSER_BUNDLE);
  const file = path.basename(WEBAUTHN_BROWSER_BUNDLE);
  return function webauthnBrowserScript(_req, res, next) {
    res.sendFile(file, { root }, (err) => err && next(err));
  };
}

const consoleLogger: MfaLogger = {
  warn: (message) => console.warn(`[demo] ${message}`),
  error: (message) => console.error(`[demo] ${message}`),
};

/** JSON bodies only: another media type is a 415 problem, malformed JSON a 400 (see errorHandler). */
const jsonBody: RequestHandler[] = [
  function requireJson(req, res, next) {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is('application/json')) return writeResult(res, problem('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
    next();
  },
  express.json({ limit: BODY_LIMIT }),
];

/**
 * The mfakit demo: passport-jwt login, the enrollment router at `/mfa` (authenticator apps,
 * passkeys, recovery codes), a protected route and a step-up route, the enrollment page, and
 * RFC 9457 problems for every error.
 *
 * @example
 * const { app } = createApp({ clock: new FakeClock() });
 * await request(app).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
 */
export function createApp(options: DemoAppOptions = {}): { app: Express; mfa: Mfa } {
  const freshMaxAge = options.freshMaxAgeSeconds ?? DEFAULT_FRESH_MAX_AGE_SECONDS;
  if (!Number.isInteger(freshMaxAge) || freshMaxAge < 1 || freshMaxAge > MAX_FRESH_MAX_AGE_SECONDS) {
    throw new RangeError(`freshMaxAgeSeconds must be an integer from 1 to ${MAX_FRESH_MAX_AGE_SECONDS}, got ${freshMaxAge}`);
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const mfa = createMfa({
    issuer: 'mfakit demo',
    encryptionKeys: options.encryptionKeys,
    exempt: (user) => isServiceUser(user.id),
    clock,
    logger,
    onEvent: options.onEvent,
    webauthn: { ...DEMO_RELYING_PARTY, ...options.webauthn },
  });

  const key = jwtKey(options.jwtSecret ?? randomBytes(32).toString('base64url'));
  const auth = requireAuth(jwtPassport(key));

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', dotfiles: 'ignore' }));
  app.get('/vendor/simplewebauthn-browser.js', webauthnBrowserScript());

  app.post('/auth/login', ...jsonBody, login(key));
  app.use('/mfa', auth, mfaRouter(mfa, options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }));
  app.get('/api/profile', auth, requireMfa(mfa), (req, res) => {
    res.set('Cache-Control', 'no-store').json({ user: { id: req.user!.id }, mfa: req.mfa });
  });
  app.post('/api/transfers', auth, ...jsonBody, validateTransfer, requireFreshMfa(mfa, { maxAge: freshMaxAge }), createTransfer(clock));

  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, mfa };
}
