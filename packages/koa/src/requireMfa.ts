import { type Duration, type Mfa, MfaError, type MfaState } from '@mfakit/core';
import { type Decision, guardRequest, markGuard, requirementOf, type RequirementOptions } from '@mfakit/core/http';
import type { Context, Middleware, Next } from 'koa';
import { type GetUser, stateUser, writeResult } from './lib/http';
import { koaReader } from './lib/reader';

declare module 'koa' {
  interface DefaultState {
    /** The MFA state of a request that passed `requireMfa`. */
    mfa?: MfaState;
  }
}

/**
 * What a route protected by `requireMfa` or `requireFreshMfa` demands of the MFA session, and
 * where the primary user is. Checked once, when the middleware is built.
 *
 * @example
 * const stepUp: RequireMfaOptions = { maxAge: '5m', methods: ['hwk'] };
 * router.delete('/api/account', jwt({ secret }), requireMfa(mfa, stepUp), handler);
 */
export interface RequireMfaOptions extends RequirementOptions {
  /** Where the primary user is. @default `ctx.state.user` (`id`, else `sub`), as koa-passport and koa-jwt set it */
  getUser?: GetUser;
}

/**
 * Lets a request through only with a valid MFA session of its user (`X-Session-Token` or the
 * `mfa_session` cookie) or a valid inline code (`X-MFA-Token`, answered with a new
 * `X-Session-Token`). Place it after the primary authentication. Sets `ctx.state.mfa`; a denial
 * is the core's answer (401/403/429/503 problem+json), written unchanged, and `next` is not called.
 *
 * The core decides (`guard` of `@mfakit/core/http`, as `mfa.check`): an exempt user passes; so does a user whom the policy does not
 * require and who has no factor, and a required user without a factor before the enrollment
 * deadline (with a `Mfa-Enrollment-Deadline` header). The denials: 401 `authentication_required`,
 * `mfa_required`, `mfa_stale`, `mfa_method_required` or `mfa_invalid_code`, 403
 * `mfa_enrollment_required`, 429 `mfa_locked` (with `Retry-After`), 503 `mfa_unavailable` when a
 * store fails (fail closed).
 *
 * The client must keep the session token it was given (`X-Session-Token` or the body of
 * `POST /mfa/verify`) and send it on every request; mfakit stores only its hash.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - What the route demands (`maxAge`, `methods`, `always`) and where the user is (`getUser`).
 *   Checked here, once: a bad option throws `MfaError` `invalid_option`.
 * @returns A named Koa middleware (`requireMfa`).
 * @throws MfaError `invalid_option` for a bad `maxAge` or `methods`, or an `always` that is not a
 *   boolean: here, when the middleware is built, never on a request.
 * @see RFC 9470 for the challenge of a denial; RFC 8176 for `methods`.
 * @see NIST SP 800-63B 7.1 (session bindings) and 7.2 (reauthentication): the session's
 *   lifetime and idle timeout are the core's `session` options.
 *
 * @example
 * router.get('/api/profile', jwt({ secret }), requireMfa(mfa), (ctx) => {
 *   ctx.body = ctx.state.mfa;
 * });
 */
export function requireMfa(mfa: Mfa, options: RequireMfaOptions = {}): Middleware {
  const requirement = requirementOf(options);
  const getUser = options.getUser ?? stateUser;
  const middleware = function requireMfa(ctx: Context, next: Next) {
    // On the memory store the decision comes at once, and the request goes on without an await.
    return guardRequest(mfa, koaReader, ctx, getUser(ctx) ?? null, requirement, follow, next);
  };
  return markGuard(middleware, { by: 'requireMfa', requirement });
}

/** Writes a denial, or sets `ctx.state.mfa` and the decision's headers (none, usually) and goes on to `next`. */
function follow(decision: Decision, ctx: Context, next: Next): Promise<void> | void {
  if (!decision.allow) return writeResult(ctx, decision.response);
  ctx.state.mfa = decision.state;
  for (const name in decision.headers) ctx.set(name, decision.headers[name]!);
  return next();
}

/**
 * Step-up for a sensitive action: like `requireMfa`, and the last proof must be at most `maxAge`
 * old, else a 401 `mfa_stale` with the RFC 9470 challenge (`max_age`).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `maxAge` (seconds, or a Duration such as `'5m'`) is required: without it this
 *   throws `MfaError` `invalid_option`.
 * @returns A named Koa middleware (`requireMfa`).
 * @throws MfaError `invalid_option` without a `maxAge`, or for any bad option, when built.
 * @see NIST SP 800-63B 7.2 (reauthentication); RFC 9470 (the step-up challenge).
 *
 * @example
 * router.post('/api/transfers', jwt({ secret }), requireFreshMfa(mfa, { maxAge: '5m' }), handler);
 */
export function requireFreshMfa(mfa: Mfa, options: RequireMfaOptions & ({ maxAge: Duration } | { once: true | { bindBody?: boolean } })): Middleware {
  if (options?.maxAge === undefined && !options?.once) throw new MfaError('invalid_option', 'requireFreshMfa needs a maxAge, e.g. { maxAge: "5m" }, or once: true');
  return requireMfa(mfa, options);
}
