import path from 'node:path';
import Router from '@koa/router';
import type { Mfa } from '@mfakit/core';
import { problemResponse, requestErrorProblem } from '@mfakit/core/http';
import {
  BODY_LIMIT,
  type DemoAppOptions,
  demoSetup,
  internalError,
  jwtKey,
  login,
  MFA_CLIENT_PATH,
  mfaClientBundle,
  PAYEE_HELP,
  parsePayee,
  parseTransfer,
  payeeAdded,
  problem,
  PUBLIC_DIR,
  SECURITY_HEADERS,
  TRANSFER_HELP,
  transferMade,
  verifyBearer,
  WEBAUTHN_BROWSER_BUNDLE,
} from '@mfakit/example-shared';
import { jsonBody, mfaAdminRouter, mfaRouter, requireFreshMfa, requireMfa, writeResult } from '@mfakit/koa';
import Koa, { type Middleware } from 'koa';
import send from 'koa-send';

export type { DemoAppOptions };

/**
 * The first middleware: security headers on every answer; a client's mistake thrown further in
 * (malformed JSON, a body too large) becomes its 4xx problem, anything else is logged and a 500
 * problem that reveals nothing; and whatever nothing answered is a 404 problem.
 */
function problems(logger: { error(message: string): void }): Middleware {
  return async function problems(ctx, next) {
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
    } catch (err) {
      const clientError = requestErrorProblem(err);
      if (clientError) return writeResult(ctx, problemResponse(clientError));
      logger.error(`${ctx.method} ${ctx.path.slice(0, 100)} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return writeResult(ctx, internalError());
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      writeResult(ctx, problemResponse({ code: 'not_found', detail: `Nothing here: ${ctx.method} ${ctx.path.slice(0, 100)}` }));
    }
  };
}

/**
 * The page's files. A path that is not one of them (missing, malformed, or climbing out of the
 * folder) falls through to the routes, and so to the 404 problem, as with Express's static files.
 */
const staticFiles: Middleware = async function staticFiles(ctx, next) {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    try {
      if (await send(ctx, ctx.path, { root: PUBLIC_DIR, index: 'index.html' })) return;
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      if (status < 400 || status >= 500) throw err;
    }
  }
  await next();
};

/**
 * JSON bodies only, read as the mfakit router reads them: another media type is a 415 problem.
 * `jsonBody` keeps the body's text as `ctx.request.rawBody`, which the step-up grant of
 * `POST /api/payees` is checked against.
 */
const requireJson: Middleware = async function requireJson(ctx, next) {
  const hasBody = ctx.get('transfer-encoding') !== '' || Number(ctx.get('content-length')) > 0;
  if (hasBody && !ctx.is('application/json')) return writeResult(ctx, problem('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
  await next();
};
const json = [requireJson, jsonBody(BODY_LIMIT)];
const MFA_PATH = /^\/mfa(\/|$)/i;
const bodyOf = (ctx: Koa.Context) => (ctx.request as { body?: unknown }).body;

/**
 * The mfakit demo on Koa: the same app as the Express demo (users, login, `/mfa` and
 * `/mfa/admin`, the protected and step-up routes, the account routes, the page), with a JWT check
 * in place of passport-jwt.
 *
 * @example
 * const { app } = createApp({ clock: new FakeClock() });
 * await request(app.callback()).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
 */
export function createApp(options: DemoAppOptions = {}): { app: Koa; mfa: Mfa } {
  const { mfa, clock, logger, jwtSecret, freshMaxAgeSeconds, admin, account } = demoSetup(options);
  const key = jwtKey(jwtSecret);
  const mfaClientScript = mfaClientBundle();

  /**
   * The primary authentication: `Authorization: Bearer <JWT>` to `ctx.state.user` (the demo user
   * with the token's `amr` and `auth_time`, see `userOfClaims`), or a 401 problem.
   */
  const auth: Middleware = async function auth(ctx, next) {
    const user = verifyBearer(ctx.get('authorization') || undefined, key);
    if ('status' in user) return writeResult(ctx, user);
    ctx.state.user = user;
    await next();
  };

  const app = new Koa();
  // What fails after an answer has started (a client hanging up mid-file) is no one's problem but the log's.
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE' && err.code !== 'ECONNRESET') logger.error(`after the answer: ${err.name}: ${err.message}`);
  });
  app.use(problems(logger));
  app.use(staticFiles);

  const routes = new Router();
  routes.get('/vendor/simplewebauthn-browser.js', async (ctx) => {
    await send(ctx, path.basename(WEBAUTHN_BROWSER_BUNDLE), { root: path.dirname(WEBAUTHN_BROWSER_BUNDLE) });
  });
  routes.get(MFA_CLIENT_PATH, (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = mfaClientScript;
  });
  routes.post('/auth/login', ...json, (ctx) => writeResult(ctx, login(bodyOf(ctx), key, clock)));
  routes.get('/api/me', auth, (ctx) => writeResult(ctx, account.me(ctx.state.user)));
  routes.get('/api/notifications', auth, (ctx) => writeResult(ctx, account.notifications(ctx.state.user)));
  routes.get('/api/outbox', auth, (ctx) => writeResult(ctx, account.outbox(ctx.state.user)));
  routes.get('/api/profile', auth, requireMfa(mfa), (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: { id: ctx.state.user.id }, mfa: ctx.state.mfa };
  });
  routes.post(
    '/api/transfers',
    auth,
    ...json,
    async (ctx, next) => {
      // Checked before the step-up check, so a malformed transfer does not spend the user's code.
      const transfer = parseTransfer(bodyOf(ctx));
      if (!transfer) return writeResult(ctx, problem('invalid_request', TRANSFER_HELP));
      ctx.state.transfer = transfer;
      await next();
    },
    requireFreshMfa(mfa, { maxAge: freshMaxAgeSeconds }),
    (ctx) => {
      ctx.status = 201;
      ctx.body = transferMade(ctx.state.user.id, ctx.state.transfer, clock);
    },
  );
  // A proof for this very request: a step-up grant made for its method, path and body, spent here.
  routes.post(
    '/api/payees',
    auth,
    ...json,
    async (ctx, next) => {
      // Checked before the step-up check, so a malformed payee spends neither the grant nor the code.
      const payee = parsePayee(bodyOf(ctx));
      if (!payee) return writeResult(ctx, problem('invalid_request', PAYEE_HELP));
      ctx.state.payee = payee;
      await next();
    },
    requireFreshMfa(mfa, { once: { bindBody: true } }),
    (ctx) => {
      ctx.status = 201;
      ctx.body = payeeAdded(ctx.state.user.id, ctx.state.payee, clock);
    },
  );
  app.use(routes.routes());
  // The enrollment and admin routers answer only signed-in users (as Express's app.use('/mfa', auth, ...)).
  app.use(async (ctx, next) => (MFA_PATH.test(ctx.path) ? auth(ctx, next) : next()));
  // The admin routes before the enrollment router, which answers 404 for every path it does not know.
  app.use(mfaAdminRouter(mfa, admin).routes());
  app.use(mfaRouter(mfa, options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }).routes());
  return { app, mfa };
}
