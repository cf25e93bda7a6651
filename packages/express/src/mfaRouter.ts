import { CONTRACT_ROUTES, handleRoute, type Mfa, problemResponse } from '@mfakit/core';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { type GetUser, passportUser, toMfaRequest, writeResult } from './lib/http';
import { notFound, requestErrors } from './lib/routing';

export interface MfaRouterOptions {
  /** Where the primary user is. @default passport's `req.user` (`id`, else `sub`) */
  getUser?: GetUser;
  /**
   * Per-IP limit on the routes that check codes, on top of the per-account lockout; `false`
   * turns it off (e.g. when a gateway limits). Counted in this process's memory.
   * @default { windowMs: 60_000, limit: 30 }
   */
  rateLimit?: { windowMs: number; limit: number } | false;
  /** The largest JSON body accepted. @default '16kb' */
  bodyLimit?: string;
}

/**
 * The enrollment and verification routes of the HTTP contract: status, TOTP and HOTP enrollment,
 * verification with a code or a recovery code, recovery-code regeneration, factor removal and
 * session end. Mount it behind the primary authentication.
 *
 * @example
 * app.use('/mfa', passport.authenticate('jwt', { session: false }), mfaRouter(mfa));
 */
export function mfaRouter(mfa: Mfa, options: MfaRouterOptions = {}): Router {
  const getUser = options.getUser ?? passportUser;
  const router = express.Router();
  router.use(express.json({ limit: options.bodyLimit ?? '16kb' }));

  const limit = options.rateLimit ?? { windowMs: 60_000, limit: 30 };
  const limiter: RequestHandler[] = limit
    ? [
        rateLimit({
          ...limit,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          handler: (_req, res) => writeResult(res, problemResponse({ code: 'rate_limited', detail: 'Too many attempts from this address; wait a minute.' })),
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
  return router;
}
