import type { Mfa } from '@mfakit/core';
import { bodyLimitOf, CONTRACT_ROUTES, countsAsFailure, handleRoute, markGuard, problemResponse, RATE_LIMITED_DETAIL, rateLimitOf } from '@mfakit/core/http';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { type GetUser, passportUser, toMfaRequest, writeResult } from './lib/http';
import { notFound, requestErrors } from './lib/routing';

/**
 * The options of `mfaRouter`: where the primary user is, the per-address limit and the body limit.
 * None of them is a security decision of the core.
 *
 * @example
 * const options: MfaRouterOptions = { rateLimit: { windowMs: 15 * 60_000, limit: 100 }, bodyLimit: '8kb' };
 */
export interface MfaRouterOptions {
  /** Where the primary user is. @default passport's `req.user` (`id`, else `sub`) */
  getUser?: GetUser;
  /**
   * Per-address limit of FAILED requests on the routes that check proofs, on top of the
   * per-account lockout: only answers 400 to 499 count (a wrong code, a malformed body, a
   * refusal), so that many people behind one office address never lock each other out by
   * signing in. Past the limit, every request of the address to those routes is a 429
   * `rate_limited` problem until the window ends. `false` turns it off (e.g. when a gateway
   * limits). Counted in this process's memory by express-rate-limit (`skipSuccessfulRequests`), a
   * fixed window per address (IPv6: per /56), with the IETF draft-8 `RateLimit` headers; the
   * core's `throttle.perAddress` counts failed proofs across instances. Behind a proxy, set
   * Express's `trust proxy` so that `req.ip` is the client's address.
   * @default { windowMs: 900_000, limit: 100 } (100 failures in 15 minutes)
   * @see NIST SP 800-63B 5.2.2 (rate limiting)
   */
  rateLimit?:
    | {
        /** The length of a window, in milliseconds. */
        windowMs: number;
        /** The failed requests allowed in one window; the next request is refused with 429. */
        limit: number;
      }
    | false;
  /** The largest JSON body accepted, as `express.json({ limit })` reads it. @default '16kb' */
  bodyLimit?: string;
}

/**
 * The enrollment and verification routes of the HTTP contract (`CONTRACT_ROUTES`), relative to
 * where it is mounted: status (`GET /`), TOTP and HOTP enrollment and confirmation, verification
 * with a code or a recovery code (`POST /verify`), email and SMS enrollment and challenges, the
 * four WebAuthn routes, recovery-code regeneration, factor removal and session end. The core
 * answers each route; this router parses JSON bodies (body errors become 400/413/415 problems),
 * puts the per-address limit of failures in front of the routes that check proofs, and answers
 * every other path under the mount with a 404 `not_found` problem. Every answer is
 * `Cache-Control: no-store`; errors are RFC 9457 problems; a failing store is a 503
 * `mfa_unavailable` (fail closed).
 *
 * Mount it behind the primary authentication. The client must keep what it is shown once: the
 * session token of a proof (send it as `X-Session-Token`), and the recovery codes of the first
 * factor (mfakit keeps only their salted hashes).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - Where the user is, the rate limit and the body limit.
 * @returns An Express `Router` to mount with `app.use()`.
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 * @see https://www.rfc-editor.org/rfc/rfc6238 (TOTP) and https://www.rfc-editor.org/rfc/rfc4226 (HOTP)
 * @see NIST SP 800-63B 5.1.2 (look-up secrets: recovery codes), 5.1.3 (out-of-band: email, SMS),
 *   5.1.4 (OTP devices), 5.2.2 (rate limiting)
 *
 * @example
 * app.use('/mfa', passport.authenticate('jwt', { session: false }), mfaRouter(mfa));
 */
export function mfaRouter(mfa: Mfa, options: MfaRouterOptions = {}): Router {
  const getUser = options.getUser ?? passportUser;
  const router = express.Router();
  // Both checked here, at construction: body-parser would throw a TypeError, and
  // express-rate-limit only logs a bad window and builds the router anyway.
  router.use(express.json({ limit: bodyLimitOf(options.bodyLimit, 'mfaRouter') }));

  const limit = rateLimitOf(options.rateLimit);
  const limiter: RequestHandler[] = limit
    ? [
        rateLimit({
          ...limit,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          // Failures only: a success, or a failure of the server's own, is given back when it finishes.
          skipSuccessfulRequests: true,
          requestWasSuccessful: (_req, res) => !countsAsFailure(res.statusCode),
          handler: (_req, res) => writeResult(res, problemResponse({ code: 'rate_limited', detail: RATE_LIMITED_DETAIL })),
        }),
      ]
    : [];

  for (const route of CONTRACT_ROUTES) {
    const handle = async (req: Request, res: Response) => {
      const input = { ...toMfaRequest(req, getUser), params: req.params as Record<string, string>, body: req.body };
      writeResult(res, await handleRoute(mfa, route.name, input));
    };
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
    router[method](route.path, ...(route.verification ? limiter : []), handle);
  }

  // Anything else under the mount point is not a route of the contract.
  router.use(notFound('MFA'));
  router.use(requestErrors);
  return markGuard(router, { by: 'mfakit' });
}
