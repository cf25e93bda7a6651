import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { Mfa } from '@mfakit/core';
import { jsonBodyReader, problemResponse, requestErrorProblem } from '@mfakit/core/http';
import {
  BODY_LIMIT,
  type DemoAppOptions,
  type DemoPrincipal,
  demoSetup,
  internalError,
  jwtKey,
  login,
  MFA_CLIENT_PATH,
  mfaClientBundle,
  PAYEE_HELP,
  type PayeeRequest,
  parsePayee,
  parseTransfer,
  payeeAdded,
  problem,
  PUBLIC_DIR,
  SECURITY_HEADERS,
  TRANSFER_HELP,
  type TransferRequest,
  transferMade,
  verifyBearer,
  WEBAUTHN_BROWSER_BUNDLE,
} from '@mfakit/example-shared';
import { frameworkErrors, mfaAdminRouter, mfaRouter, mfaServerOptions, requireFreshMfa, requireMfa, trackRoutes, writeResult } from '@mfakit/fastify';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type onRequestHookHandler, type preHandlerAsyncHookHandler } from 'fastify';

export type { DemoAppOptions };

const MFA_PATH = /^\/mfa(\/|$)/i;
const pathOf = (request: FastifyRequest) => request.url.split('?', 1)[0]!.slice(0, 100);
const mediaType = (header: string | undefined) => (header ?? '').split(';', 1)[0]!.trim().toLowerCase();

/** The first hook of every route (404s included): the security headers on every answer. */
const securityHeaders: onRequestHookHandler = function securityHeaders(_request, reply, done) {
  reply.headers(SECURITY_HEADERS);
  done();
};

/** Whatever no route answers: a 404 problem, never Fastify's own JSON. */
function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return writeResult(reply, problemResponse({ code: 'not_found', detail: `Nothing here: ${request.method} ${pathOf(request)}` }));
}

/**
 * The last error handler: a client's mistake (malformed JSON, a body too large, a Content-Type
 * Fastify cannot parse) is its 4xx problem; anything else is logged and a 500 problem that reveals
 * nothing. The mfakit routers answer their own clients' mistakes and pass the rest on to here.
 */
function problems(logger: { error(message: string): void }) {
  return function problems(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const clientError = requestErrorProblem(err);
    if (clientError) return writeResult(reply, problemResponse(clientError));
    logger.error(`${request.method} ${pathOf(request)} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return writeResult(reply, internalError());
  };
}

/**
 * Fastify's answer to a URL it cannot decode, which it gives before any route or hook runs: under
 * `/mfa` the router's 400 problem (after the sign-in check), as for a malformed id on Express and
 * Koa; elsewhere the 404 problem, as on Express and Koa, where such a path names no file.
 */
function badUrls(key: KeyObject) {
  return function badUrls(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    reply.headers(SECURITY_HEADERS);
    if (!MFA_PATH.test(request.url)) {
      notFound(request, reply);
      return;
    }
    const user = verifyBearer(request.headers.authorization, key);
    if ('status' in user) writeResult(reply, user);
    else frameworkErrors(err, request, reply);
  };
}

/**
 * Fastify reads no body before the routes say so, as on Express and Koa (its own parsers answer
 * 415 for a type they do not know, and an unknown route would then say 415 instead of 404): the
 * routes that take JSON read it with `json` below.
 */
function bodiesLeftUnread(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

const readBody = jsonBodyReader(BODY_LIMIT, 'json');

/**
 * JSON bodies only, read as the mfakit router reads them: another media type is a 415 problem.
 * The body's text stays as `request.rawBody` (where @mfakit/fastify reads it, as `keepRawBody`
 * leaves it), for the step-up grant of `POST /api/payees`, bound to it.
 */
const json: preHandlerAsyncHookHandler[] = [
  async function requireJson(request, reply) {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
    if (hasBody && mediaType(request.headers['content-type']) !== 'application/json') {
      return writeResult(reply, problem('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
    }
  },
  async function readJson(request) {
    request.body = await readBody(request.raw, (raw) => request.setDecorator('rawBody', raw));
  },
];

/** Checks a transfer before the step-up check, so a malformed one does not spend the user's code. */
const validTransfer: preHandlerAsyncHookHandler = async function validTransfer(request, reply) {
  const transfer = parseTransfer(request.body);
  if (!transfer) return writeResult(reply, problem('invalid_request', TRANSFER_HELP));
  request.setDecorator('transfer', transfer);
};

/** Checks a payee before the step-up check, so a malformed one spends neither the grant nor the code. */
const validPayee: preHandlerAsyncHookHandler = async function validPayee(request, reply) {
  const payee = parsePayee(request.body);
  if (!payee) return writeResult(reply, problem('invalid_request', PAYEE_HELP));
  request.setDecorator('payee', payee);
};

/** The user of the primary authentication, which `auth` has set. */
const signedIn = (request: FastifyRequest) => request.getDecorator<DemoPrincipal>('user');

/**
 * The mfakit demo on Fastify: the same app as the Express and Koa demos (users, login, `/mfa` and
 * `/mfa/admin`, the protected and step-up routes, the account routes, the page), with a JWT check
 * in place of passport-jwt. Call `await app.ready()` before handing `app.routing` to a server.
 *
 * @example
 * const { app } = createApp({ clock: new FakeClock() });
 * await app.ready();
 * await request(app.routing).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
 */
export function createApp(options: DemoAppOptions = {}): { app: FastifyInstance; mfa: Mfa } {
  const { mfa, clock, logger, jwtSecret, freshMaxAgeSeconds, admin, account } = demoSetup(options);
  const key = jwtKey(jwtSecret);
  const mfaClientScript = mfaClientBundle();

  /**
   * The primary authentication: `Authorization: Bearer <JWT>` to `request.user` (the demo user
   * with the token's `amr` and `auth_time`, see `userOfClaims`), or a 401 problem. An `onRequest`
   * hook: it runs before any body is read.
   */
  const auth: onRequestHookHandler = function auth(request, reply, done) {
    const user = verifyBearer(request.headers.authorization, key);
    if ('status' in user) {
      writeResult(reply, user);
      return;
    }
    request.setDecorator('user', user);
    done();
  };

  const app = Fastify({ ...mfaServerOptions, frameworkErrors: badUrls(key) });
  trackRoutes(app); // the route table of mfaRoutes (test/routes.test.ts): before the first route
  // Declared, as Fastify asks: the signed-in user (`request.user`, where mfakit reads it, as
  // @fastify/jwt leaves it), a checked transfer or payee, read with getDecorator, and the body's
  // text (`request.rawBody`, where @mfakit/fastify reads it).
  app.decorateRequest('user');
  app.decorateRequest('transfer');
  app.decorateRequest('payee');
  app.decorateRequest('rawBody');
  app.addHook('onRequest', securityHeaders);
  app.setErrorHandler(problems(logger));
  app.setNotFoundHandler(notFound);
  bodiesLeftUnread(app);

  // The page's files, one route each (a path that is not one of them is the 404 problem).
  app.register(fastifyStatic, { root: PUBLIC_DIR, wildcard: false });
  app.get('/vendor/simplewebauthn-browser.js', async (_request, reply) => reply.sendFile(path.basename(WEBAUTHN_BROWSER_BUNDLE), path.dirname(WEBAUTHN_BROWSER_BUNDLE)));
  app.get(MFA_CLIENT_PATH, async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(mfaClientScript));

  app.post('/auth/login', { preHandler: json }, async (request, reply) => writeResult(reply, login(request.body, key, clock)));
  app.get('/api/me', { onRequest: auth }, async (request, reply) => writeResult(reply, account.me(signedIn(request))));
  app.get('/api/notifications', { onRequest: auth }, async (request, reply) => writeResult(reply, account.notifications(signedIn(request))));
  app.get('/api/outbox', { onRequest: auth }, async (request, reply) => writeResult(reply, account.outbox(signedIn(request))));
  app.get('/api/profile', { onRequest: auth, preHandler: requireMfa(mfa) }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    return { user: { id: signedIn(request).id }, mfa: request.mfa };
  });
  app.post('/api/transfers', { onRequest: auth, preHandler: [...json, validTransfer, requireFreshMfa(mfa, { maxAge: freshMaxAgeSeconds })] }, async (request, reply) => {
    reply.code(201);
    return transferMade(signedIn(request).id, request.getDecorator<TransferRequest>('transfer'), clock);
  });
  // A proof for this very request: a step-up grant made for its method, path and body, spent here.
  app.post('/api/payees', { onRequest: auth, preHandler: [...json, validPayee, requireFreshMfa(mfa, { once: { bindBody: true } })] }, async (request, reply) => {
    reply.code(201);
    return payeeAdded(signedIn(request).id, request.getDecorator<PayeeRequest>('payee'), clock);
  });

  // The enrollment and admin routers answer only signed-in users (as Express's app.use('/mfa', auth, ...)).
  app.register(function signedInOnly(scope, _options, done) {
    scope.addHook('onRequest', auth);
    scope.register(mfaAdminRouter(mfa, admin), { prefix: '/mfa/admin' });
    scope.register(mfaRouter(mfa, options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }), { prefix: '/mfa' });
    done();
  });
  return { app, mfa };
}
