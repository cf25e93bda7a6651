import type { Mfa } from '@mfakit/core';
import { CONTRACT_ROUTES, createRateLimiter, handleRoute, jsonBodyReader, type RateLimit, rateLimitOf } from '@mfakit/core/http';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, onSendHookHandler, preHandlerHookHandler, RouteShorthandOptions } from 'fastify';
import { type GetUser, requestUser, writeResult } from './lib/http';
import { mountRoutes } from './lib/routing';

/**
 * The options of `mfaRouter`: where the primary user is, the per-address limit and the body
 * limit. None of them is a security decision of the core. Where the routes live is Fastify's
 * `prefix` of `register`.
 *
 * @example
 * app.register(mfaRouter(mfa, { rateLimit: { windowMs: 15 * 60_000, limit: 100 } }), { prefix: '/auth/mfa' });
 */
export interface MfaRouterOptions {
  /** Where the primary user is. @default `request.user` (`id`, else `sub`), as @fastify/jwt sets it */
  getUser?: GetUser;
  /**
   * Per-address limit of FAILED requests on the routes that check proofs, on top of the
   * per-account lockout: only answers 400 to 499 count (a wrong code, a malformed body, a
   * refusal), so that many people behind one office address never lock each other out by
   * signing in. Past the limit, every request of the address to those routes is a 429
   * `rate_limited` problem with `Retry-After` until the window ends. `false` turns it off (e.g.
   * when a gateway limits). Counted in this process's memory on the core's clock, a fixed window
   * per address (IPv6: per /56), with the IETF draft-8 `RateLimit` headers; the core's
   * `throttle.perAddress` counts failed proofs across instances. Behind a proxy, set Fastify's
   * `trustProxy` so that `request.ip` is the client's address.
   * @default { windowMs: 900_000, limit: 100 } (100 failures in 15 minutes)
   * @see NIST SP 800-63B 5.2.2 (rate limiting)
   */
  rateLimit?: RateLimit | false;
  /** The largest JSON body accepted: bytes, or a size such as '16kb'. @default '16kb' */
  bodyLimit?: string | number;
}

/**
 * The enrollment and verification routes of the HTTP contract (`CONTRACT_ROUTES`) as a Fastify
 * plugin: status, TOTP and HOTP enrollment, verification with a code or a recovery code, email
 * and SMS enrollment and challenges, the four WebAuthn routes, recovery-code regeneration, factor
 * removal and session end. Register it with a `prefix` (`/mfa` in the demos), behind the primary
 * authentication. Body errors become 400/413/415 problems, a per-address limit of failures stands
 * in front of the routes that check proofs, and every other path under the prefix is a 404
 * `not_found` problem. Every answer is `Cache-Control: no-store`; errors are RFC 9457 problems; a
 * failing store is a 503 `mfa_unavailable` (fail closed).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - Checked here, once: a bad option throws `MfaError` `invalid_option`.
 * @returns A plugin for `app.register(plugin, { prefix: '/mfa' })`.
 * @throws MfaError `invalid_option` when `bodyLimit` is not a size or `rateLimit` is
 *   neither `false` nor positive integers.
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 *
 * @example
 * app.addHook('onRequest', app.authenticate); // @fastify/jwt: request.user
 * app.register(mfaRouter(mfa), { prefix: '/mfa' });
 */
export function mfaRouter(mfa: Mfa, options: MfaRouterOptions = {}): FastifyPluginAsync {
  const getUser = options.getUser ?? requestUser;
  const readBody = jsonBodyReader(options.bodyLimit, 'mfaRouter');
  const limit = rateLimitOf(options.rateLimit);
  const limiter = limit ? rateLimitHooks(limit, mfa) : undefined;

  return async function mfaRouter(app: FastifyInstance) {
    mountRoutes(app, CONTRACT_ROUTES, {
      readBody,
      getUser,
      hooks: (route) => (route.verification ? limiter : undefined),
      answer: (route, input) => handleRoute(mfa, route.name, input),
    });
  };
}

/**
 * The core's per-address limiter as route hooks: a `preHandler` (after the body is read, as on
 * Express, Koa and NestJS, so that a malformed body is counted alike: not at all) that sets the
 * `RateLimit` headers and answers the 429 past the limit, and an `onSend` that gives back a
 * request whose answer did not fail (only 4xx answers count).
 */
function rateLimitHooks(limit: RateLimit, mfa: Mfa): Pick<RouteShorthandOptions, 'preHandler' | 'onSend'> {
  const hit = createRateLimiter(limit, mfa);
  const pending = new WeakMap<FastifyRequest, (status: number) => void>();
  const preHandler: preHandlerHookHandler = (request, reply, done) => {
    const { headers, denied, answered } = hit(request.ip);
    reply.headers(headers);
    if (denied) {
      writeResult(reply, denied); // answered here: the route's handler does not run
      return;
    }
    pending.set(request, answered);
    done();
  };
  const onSend: onSendHookHandler = (request, reply, payload, done) => {
    pending.get(request)?.(reply.statusCode);
    done(null, payload);
  };
  return { preHandler, onSend };
}
