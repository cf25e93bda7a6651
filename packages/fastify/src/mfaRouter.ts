import type { Mfa } from '@mfakit/core';
import { CONTRACT_ROUTES, createRateLimiter, handleRoute, jsonBodyReader, type RateLimit, rateLimitOf } from '@mfakit/core/http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type GetUser, requestUser, writeResult } from './lib/http';
import { mountRoutes } from './lib/routing';

/**
 * The options of `mfaRouter`: where the primary user is, the per-IP rate limit and the body
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
   * Per-IP limit on the routes that check codes, on top of the per-account lockout; `false`
   * turns it off (e.g. when a gateway limits). Counted in this process's memory on the core's
   * clock, a fixed window per address (IPv6: per /56), with the IETF draft-8 `RateLimit` headers;
   * past the limit a 429 `rate_limited` problem with `Retry-After`. Behind a proxy, set Fastify's
   * `trustProxy` so that `request.ip` is the client's address.
   * @default { windowMs: 60_000, limit: 30 }
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
 * authentication. Body errors become 400/413/415 problems, a per-IP rate limit stands in front of
 * the routes that check proofs, and every other path under the prefix is a 404 `not_found`
 * problem. Every answer is `Cache-Control: no-store`; errors are RFC 9457 problems; a failing
 * store is a 503 `mfa_unavailable` (fail closed).
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
  const hit = limit ? createRateLimiter(limit, mfa) : null;
  const rateLimited =
    hit &&
    ((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const { headers, denied } = hit(request.ip);
      reply.headers(headers);
      if (denied) writeResult(reply, denied);
      else done();
    });

  return async function mfaRouter(app: FastifyInstance) {
    mountRoutes(app, CONTRACT_ROUTES, {
      readBody,
      getUser,
      onRequest: (route) => (route.verification && rateLimited) || undefined,
      answer: (route, input) => handleRoute(mfa, route.name, input),
    });
  };
}
