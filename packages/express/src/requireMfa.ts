import { type Duration, type Mfa, MfaError, type MfaState, requirementOf } from '@mfakit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type GetUser, passportUser, toMfaRequest, writeResult } from './lib/http';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The MFA state of a request that passed `requireMfa`. */
      mfa?: MfaState;
    }
  }
}

export interface RequireMfaOptions {
  /** Step-up: the last proof must be at most this old (seconds, or '5m'). */
  maxAge?: Duration;
  /** At least one of these RFC 8176 methods must have been proved, e.g. `['hwk']`. */
  methods?: string[];
  /** Demand MFA even of users whom the policy (`policy.required`) does not require; exempt users still pass. @default false */
  always?: boolean;
  /** Where the primary user is. @default passport's `req.user` (`id`, else `sub`) */
  getUser?: GetUser;
}

/**
 * Lets a request through only with a valid MFA session of its user (`X-Session-Token` or the
 * `mfa_session` cookie) or a valid inline code (`X-MFA-Token`, answered with a new
 * `X-Session-Token`). Place it after the primary authentication. Sets `req.mfa`.
 *
 * @example
 * app.get('/api/profile', passport.authenticate('jwt', { session: false }), requireMfa(mfa), handler);
 */
export function requireMfa(mfa: Mfa, options: RequireMfaOptions = {}): RequestHandler {
  const requirement = requirementOf(options);
  const getUser = options.getUser ?? passportUser;
  return async function requireMfa(req: Request, res: Response, next: NextFunction) {
    const decision = await mfa.check(toMfaRequest(req, getUser), requirement);
    if (!decision.allow) return writeResult(res, decision.response);
    req.mfa = decision.state;
    res.set(decision.headers);
    next();
  };
}

/**
 * Step-up for a sensitive action: like `requireMfa`, and the last proof must be at most `maxAge`
 * old, else a 401 with the RFC 9470 challenge (`max_age`).
 *
 * @example
 * app.post('/api/transfers', auth, requireFreshMfa(mfa, { maxAge: '5m' }), handler);
 */
export function requireFreshMfa(mfa: Mfa, options: RequireMfaOptions & { maxAge: Duration }): RequestHandler {
  if (options?.maxAge === undefined) throw new MfaError('invalid_option', 'requireFreshMfa needs a maxAge, e.g. { maxAge: "5m" }');
  return requireMfa(mfa, options);
}
