import type { IncomingMessage } from 'node:http';
import { type HttpResult, markGuard, problemResponse, type RouteInput, requestErrorProblem } from '@mfakit/core/http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { type GetUser, toMfaRequest, writeResult } from './http';

/**
 * Reads bodies under the router as Express's `express.json` does (the core's `jsonBodyReader`): on
 * every method, for every path under the prefix (unknown ones too), only `application/json`.
 * Fastify's own parsers are removed in this plugin's scope: they answer 415 for a type they do
 * not know, and read no body on GET.
 */
function jsonBodies(app: FastifyInstance, readBody: (req: IncomingMessage) => Promise<unknown>): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined)); // left to the hook below
  app.addHook('preHandler', async (request) => {
    request.body = await readBody(request.raw);
  });
}

/**
 * Errors of reading a request under the router (bad JSON, a body too large, a media type or
 * charset it cannot read, a malformed URL) become the contract's problems (400, 413, 415); any
 * other error goes on to the application's handler.
 */
function requestErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, _request, reply) => {
    const problem = requestErrorProblem(err);
    if (!problem) throw err;
    return writeResult(reply, problemResponse(problem));
  });
}

/** The answer to a path under the prefix that is not a route (or not one of that method): a 404 `not_found` problem. */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return writeResult(reply, problemResponse({ code: 'not_found', detail: `No such MFA route: ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}` }));
}

/**
 * Every path under the prefix that is not a route: {@link answerNotFound}. Fastify's not-found
 * handlers match their prefix by case, whatever `caseSensitive` says, so routes of every method on
 * `/*` and on the prefix itself answer in the main router (where `/MFA/nope` is `/mfa/nope`); the not-found handler is left
 * for the methods Fastify routes none of (`ACL`, `MKCOL`...), where `/MFA/x` stays Fastify's 404.
 */
function notFound(app: FastifyInstance, routes: readonly { method: string; path: string }[]): void {
  app.setNotFoundHandler(answerNotFound);
  app.route({ method: app.supportedMethods, url: '/*', handler: answerNotFound });
  // The prefix itself, for the methods the table has no route of there (Fastify adds HEAD to a GET route).
  const taken = new Set(routes.filter((route) => route.path === '/').flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method])));
  const free = app.supportedMethods.filter((method) => !taken.has(method));
  if (free.length > 0) app.route({ method: free, url: '/', handler: answerNotFound });
}

/**
 * The Fastify server options under which the routers answer as on Express, Koa and NestJS; spread
 * them into `Fastify({ ... })`: routes matched without regard to case and with an optional
 * trailing slash, path parameters up to 300 characters (a user id may have 256; Fastify's default
 * is 100), and {@link frameworkErrors}. They apply to the application's own routes too.
 *
 * @example
 * const app = Fastify({ ...mfaServerOptions, logger: true });
 */
export const mfaServerOptions = {
  /** Malformed URLs as 400 problems. */
  frameworkErrors,
  /** Routes matched as on the other frameworks. */
  routerOptions: {
    /** `/MFA/verify` is `/mfa/verify`. */
    caseSensitive: false,
    /** `/mfa/verify/` is `/mfa/verify`. */
    ignoreTrailingSlash: true,
    /** A user id may have 256 characters. */
    maxParamLength: 300,
  },
};

/**
 * Fastify's `frameworkErrors` option, as the contract answers: a URL that cannot be decoded
 * (`FST_ERR_BAD_URL`, e.g. `/mfa/factors/%E0%A4%A`) is a 400 `invalid_request` problem, as on
 * Express, Koa and NestJS. Fastify reads the URL before any plugin runs, so the application sets
 * it when it creates the instance; it applies to the application's own routes too.
 *
 * @example
 * const app = Fastify({ frameworkErrors });
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  writeResult(reply, problemResponse(requestErrorProblem(err) ?? { code: 'invalid_request', detail: 'The request is malformed.' }));
}

/** How a router plugin mounts its routes. */
export interface Mount<R> {
  /** Reads a request's JSON body (the core's `jsonBodyReader`). */
  readBody: (req: IncomingMessage) => Promise<unknown>;
  /** Where the primary user is. */
  getUser: GetUser;
  /** Hooks of a route (the rate limit's `preHandler` and `onSend`), if any. */
  hooks?: (route: R) => Pick<RouteShorthandOptions, 'preHandler' | 'onSend'> | undefined;
  /** The core's answer to a request of a route. */
  answer: (route: R, input: RouteInput) => Promise<HttpResult>;
}

/**
 * Mounts a table of the contract's routes in a plugin's scope: the body reading, the error and
 * not-found answers, then one Fastify route per entry, whose handler hands the request to the core
 * and sends its answer unchanged. The handlers are marked `mfakit` for `mfaRoutes`.
 */
export function mountRoutes<R extends { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }>(app: FastifyInstance, routes: readonly R[], mount: Mount<R>): void {
  requestErrors(app);
  jsonBodies(app, mount.readBody);
  notFound(app, routes);
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      ...mount.hooks?.(route),
      // Marked for mfaRoutes: the core checks what each of these routes needs.
      handler: markGuard(
        async (request: FastifyRequest, reply: FastifyReply) => {
          const input = { ...toMfaRequest(request, mount.getUser), params: { ...(request.params as Record<string, string>) }, body: request.body ?? undefined };
          return writeResult(reply, await mount.answer(route, input));
        },
        { by: 'mfakit' },
      ),
    });
  }
}
