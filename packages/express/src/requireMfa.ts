import { type Duration, type Mfa, MfaError, type MfaState } from '@mfakit/core';
import { type Decision, guardRequest, markGuard, requirementOf, type RequirementOptions } from '@mfakit/core/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type GetUser, passportUser, writeResult } from './lib/http';
import { expressReader } from './lib/reader';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The MFA state of a request that passed `requireMfa`. */
      mfa?: MfaState;
    }
  }
}

/**
 * What a route protected by `requireMfa` or `requireFreshMfa` demands of the MFA session, and
 * where the primary user is. Checked once, when the middleware is built.
 *
 * @example
 * const stepUp: RequireMfaOptions = { maxAge: '5m', methods: ['hwk'] };
 * app.delete('/api/account', auth, requireMfa(mfa, stepUp), handler);
 */
export interface RequireMfaOptions extends RequirementOptions {
  /** Where the primary user is. @default passport's `req.user` (`id`, else `sub`) */
  getUser?: GetUser;
}

/**
 * Lets a request through only with a valid MFA session of its user (`X-Session-Token` or the
 * `mfa_session` cookie) or a valid inline code (`X-MFA-Token`, answered with a new
 * `X-Session-Token`). Place it after the primary authentication. Sets `req.mfa`.
 *
 * The core decides (`guard` of `@mfakit/core/http`, as `mfa.check`): an exempt user passes; so does a user whom the policy does not
 * require and who has no factor, and a required user without a factor before the enrollment
 * deadline (with a `Mfa-Enrollment-Deadline` header). A denial is written as an RFC 9457 problem
 * and `next` is not called: 401 `authentication_required`, `mfa_required`, `mfa_stale`,
 * `mfa_method_required` or `mfa_invalid_code` (with the RFC 9470 `WWW-Authenticate` challenge
 * where a proof would help), 403 `mfa_enrollment_required`, 429 `mfa_locked` (with
 * `Retry-After`), 503 `mfa_unavailable` when a store fails (fail closed).
 *
 * The client must keep the session token it was given (`X-Session-Token` or the body of
 * `POST /mfa/verify`) and send it on every request; mfakit stores only its hash.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - What the route demands (`maxAge`, `methods`, `always`) and where the user is
 *   (`getUser`).
 * @returns A named Express `RequestHandler` (`requireMfa`).
 * @throws MfaError `invalid_option` for a bad `maxAge` or `methods`, or an `always` that is not a
 *   boolean: here, when the middleware is built, never on a request.
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
 * @see NIST SP 800-63B 7.1 (session bindings) and 7.2 (reauthentication): the session's
 *   lifetime and idle timeout are the core's `session` options.
 *
 * @example
 * app.get('/api/profile', passport.authenticate('jwt', { session: false }), requireMfa(mfa), handler);
 */
export function requireMfa(mfa: Mfa, options: RequireMfaOptions = {}): RequestHandler {
  const requirement = requirementOf(options);
  const getUser = options.getUser ?? passportUser;
  const middleware = function requireMfa(req: Request, res: Response, next: NextFunction) {
    // On the memory store the decision comes at once, and the request goes on without an await.
    // Express 5 hands an error thrown later, in a returned Promise, to the error handlers.
    return guardRequest(mfa, expressReader, req, getUser(req) ?? null, requirement, follow, res, next);
  };
  return markGuard(middleware, { by: 'requireMfa', requirement });
}

/** Writes a denial, or sets `req.mfa` and the decision's headers (none, usually) and calls `next`. */
function follow(decision: Decision, req: Request, res: Response, next: NextFunction): void {
  if (!decision.allow) {
    writeResult(res, decision.response);
    return;
  }
  req.mfa = decision.state;
  for (const name in decision.headers) res.setHeader(name, decision.headers[name]!);
  next();
}

/**
 * Step-up for a sensitive action: like `requireMfa`, and the last proof must be at most `maxAge`
 * old, else a 401 `mfa_stale` with the RFC 9470 challenge (`max_age`). The client then proves a
 * factor again (`POST /mfa/verify`, or an inline `X-MFA-Token` on the retried request).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `maxAge` (seconds, or a Duration such as `'5m'`) is required; the other
 *   options are those of `requireMfa`.
 * @returns A named Express `RequestHandler` (`requireMfa`).
 * @throws MfaError `invalid_option` without a `maxAge`, or for any bad option, when built.
 * @see NIST SP 800-63B 7.2 (reauthentication)
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
 *
 * @example
 * app.post('/api/transfers', auth, requireFreshMfa(mfa, { maxAge: '5m' }), handler);
 */
export function requireFreshMfa(mfa: Mfa, options: RequireMfaOptions & ({ maxAge: Duration } | { once: true | { bindBody?: boolean } })): RequestHandler {
  if (options?.maxAge === undefined && !options?.once) throw new MfaError('invalid_option', 'requireFreshMfa needs a maxAge, e.g. { maxAge: "5m" }, or once: true');
  return requireMfa(mfa, options);
}
