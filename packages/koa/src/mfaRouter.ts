import Router from '@koa/router';
import type { Mfa } from '@mfakit/core';
import { CONTRACT_ROUTES, type RateLimit, handleRoute, markGuard, problemResponse, rateLimitOf } from '@mfakit/core/http';
import type { Context, Middleware } from 'koa';
import { type GetUser, stateUser, toMfaRequest, writeResult } from './lib/http';
import { bodyOf, jsonBody } from './lib/jsonBody';
import { rateLimit } from './lib/rateLimit';
import { assertDecodable, requestErrors, routerMount } from './lib/routing';

/**
 * The options of `mfaRouter`: where the primary user is, the per-address limit, the body limit
 * and where the routes live. None of them is a security decision of the core.
 *
 * @example
 * const options: MfaRouterOptions = { prefix: '/auth/mfa', rateLimit: { windowMs: 15 * 60_000, limit: 100 } };
 */
export interface MfaRouterOptions {
  /** Where the primary user is. @default `ctx.state.user` (`id`, else `sub`), as koa-passport and koa-jwt set it */
  getUser?: GetUser;
  /**
   * Per-address limit of FAILED requests on the routes that check proofs, on top of the
   * per-account lockout: only answers 400 to 499 count (a wrong code, a malformed body, a
   * refusal), so that many people behind one office address never lock each other out by
   * signing in. Past the limit, every request of the address to those routes is a 429
   * `rate_limited` problem with `Retry-After` until the window ends. `false` turns it off (e.g.
   * when a gateway limits). Counted in this process's memory on the core's clock, a fixed window
   * per address (IPv6: per /56) from its first request, with the IETF draft-8 `RateLimit`
   * headers; the core's `throttle.perAddress` counts failed proofs across instances. Behind a
   * proxy, set `app.proxy = true` so that `ctx.ip` is the client's address.
   * @default { windowMs: 900_000, limit: 100 } (100 failures in 15 minutes)
   * @see NIST SP 800-63B 5.2.2 (rate limiting)
   */
  rateLimit?: RateLimit | false;
  /** The largest JSON body accepted: bytes, or a size such as '16kb'. @default '16kb' */
  bodyLimit?: string | number;
  /** Where the routes live. Every path under it that is not a route answers 404 `not_found`. @default '/mfa' */
  prefix?: string;
}

/**
 * The enrollment and verification routes of the HTTP contract (`CONTRACT_ROUTES`): status, TOTP
 * and HOTP enrollment, verification with a code or a recovery code, email and SMS enrollment and
 * challenges, the four WebAuthn routes, recovery-code regeneration, factor removal and session
 * end, under `prefix`. It parses JSON bodies itself (body errors become 400/413/415 problems),
 * puts a per-address limit of failures in front of the routes that check proofs, and answers
 * every other path under the prefix with a 404 `not_found` problem. Every answer is
 * `Cache-Control: no-store`; errors are RFC 9457 problems; a failing store is a 503
 * `mfa_unavailable` (fail closed). Mount it behind the primary authentication.
 *
 * The client must keep what it is shown once: the session token of a proof (send it as
 * `X-Session-Token`), and the recovery codes of the first factor (mfakit keeps only their salted
 * hashes).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - Checked here, once: a bad option throws `MfaError` `invalid_option`.
 * @returns A @koa/router Router: mount its `routes()`.
 * @throws MfaError `invalid_option` when `prefix` is not a path such as '/mfa', `bodyLimit` is
 *   not a size, or `rateLimit` is neither `false` nor positive integers.
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 * @see https://www.rfc-editor.org/rfc/rfc6238 (TOTP) and https://www.rfc-editor.org/rfc/rfc4226 (HOTP)
 * @see NIST SP 800-63B 5.1.2 (look-up secrets: recovery codes), 5.1.3 (out-of-band: email, SMS),
 *   5.1.4 (OTP devices), 5.2.2 (rate limiting)
 *
 * @example
 * const app = new Koa();
 * app.use(jwt({ secret }));
 * app.use(mfaRouter(mfa).routes());
 */
export function mfaRouter(mfa: Mfa, options: MfaRouterOptions = {}): Router {
  const getUser = options.getUser ?? stateUser;
  const { prefix, bodyLimit, limit } = validated(options);
  const router = new Router({ prefix });
  // On each route rather than router.use(): @koa/router 15 skipped a router.use() middleware for
  // /MFA/VERIFY while it matched the route case-insensitively (as Express does). Like
  // express.json() under its mount point, the body of every request under the prefix is read.
  const parse: Middleware[] = [requestErrors, jsonBody(bodyLimit)];
  const limiter: Middleware[] = limit ? [rateLimit(limit, mfa)] : [];

  for (const route of CONTRACT_ROUTES) {
    const handle = async (ctx: Context) => {
      if (route.path.includes('/:')) assertDecodable(ctx);
      const input = { ...toMfaRequest(ctx, getUser), params: { ...ctx.params }, body: bodyOf(ctx) };
      writeResult(ctx, await handleRoute(mfa, route.name, input));
    };
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
    router[method](route.name, route.path, ...parse, ...(route.verification ? limiter : []), handle);
  }

  // Anything else under the prefix, the prefix itself included, is not a route of the contract.
  router.all('{/*rest}', ...parse, (ctx: Context) => writeResult(ctx, problemResponse({ code: 'not_found', detail: `No such MFA route: ${ctx.method} ${ctx.path.slice(0, 100)}` })));
  return markGuard(router, { by: 'mfakit' });
}

function validated(options: MfaRouterOptions): { prefix: string; bodyLimit: string | number; limit: RateLimit | false } {
  return { ...routerMount('mfaRouter', options, '/mfa'), limit: rateLimitOf(options.rateLimit) };
}
