import { type Duration, type Mfa, MfaError, type MfaState, requirementOf } from '@mfakit/core';
import type { Context, Middleware, Next } from 'koa';
import { type GetUser, stateUser, toMfaRequest, writeResult } from './lib/http';

declare module 'koa' {
  interface DefaultState {
    /** The MFA state of a request that passed `requireMfa`. */
    mfa?: MfaState;
  }
}

export interface RequireMfaOptions {
  /** Step-up: the last proof must be at most this old (seconds, or '5m'). */
  maxAge?: Duration;
  /** At least one of these RFC 8176 methods must have been proved, e.g. `['hwk']`. */
  methods?: string[];
  /** Demand MFA even of users whom the policy (`policy.required`) does not require; exempt users still pass. @default false */
  always?: boolean;
  /** Where the primary user is. @default `ctx.state.user` (`id`, else `sub`), as koa-passport and koa-jwt set it */
  getUser?: GetUser;
}

/**
 * Lets a request through only with a valid MFA session of its user (`X-Session-Token` or the
 * `mfa_session` cookie) or a valid inline code (`X-MFA-Token`, answered with a new
 * `X-Session-Token`). Place it after the primary authentication. Sets `ctx.state.mfa`; a denial
 * is the core's answer (401/403/429/503 problem+json), written unchanged, and `next` is not called.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - What the route demands (`maxAge`, `methods`, `always`) and where the user is (`getUser`).
 *   Checked here, once: a bad option throws `MfaError` `invalid_option`.
 * @see RFC 9470 for the challenge of a denial; RFC 8176 for `methods`.
 *
 * @example
 * router.get('/api/profile', jwt({ secret }), requireMfa(mfa), (ctx) => {
 *   ctx.body = ctx.state.mfa;
 * });
 */
export function requireMfa(mfa: Mfa, options: RequireMfaOptions = {}): Middleware {
  const requirement = requirementOf(options);
  const getUser = options.getUser ?? stateUser;
  return async function requireMfa(ctx: Context, next: Next) {
    const decision = await mfa.check(toMfaRequest(ctx, getUser), requirement);
    if (!decision.allow) return writeResult(ctx, decision.response);
    ctx.state.mfa = decision.state;
    ctx.set(decision.headers);
    await next();
  };
}

/**
 * Step-up for a sensitive action: like `requireMfa`, and the last proof must be at most `maxAge`
 * old, else a 401 `mfa_stale` with the RFC 9470 challenge (`max_age`).
 *
 * @param options - `maxAge` (seconds, or a Duration such as `'5m'`) is required: without it this
 *   throws `MfaError` `invalid_option`.
 * @see NIST SP 800-63B 7.2 (reauthentication); RFC 9470 (the step-up challenge).
 *
 * @example
 * router.post('/api/transfers', jwt({ secret }), requireFreshMfa(mfa, { maxAge: '5m' }), handler);
 */
export function requireFreshMfa(mfa: Mfa, options: RequireMfaOptions & { maxAge: Duration }): Middleware {
  if (options?.maxAge === undefined) throw new MfaError('invalid_option', 'requireFreshMfa needs a maxAge, e.g. { maxAge: "5m" }');
  return requireMfa(mfa, options);
}
