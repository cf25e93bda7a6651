import type { MfaRequest, MfaUser } from '@mfakit/core';
import type { HttpResult } from '@mfakit/core/http';
import { mfaUserOf, readMfaRequest } from '@mfakit/core/http';
import type { Context } from 'koa';
import { koaReader } from './reader';

/**
 * Reads the primary user off a request; return null when there is none, and the request is
 * answered 401 `authentication_required`. The id keys every piece of MFA state, so it must be
 * stable for the user (not a session or token id). Return `roles` when `policy.required` or an
 * admin `authorize` checks them, and `amr` / `authTime` when `policy.trustedAmr` should accept an
 * upstream SSO's MFA (RFC 8176, OIDC `auth_time`).
 *
 * @example
 * mfaRouter(mfa, { getUser: (ctx) => (ctx.state.account ? { id: ctx.state.account.uid } : null) });
 */
export type GetUser = (ctx: Context) => MfaUser | null | undefined;

/**
 * The user that koa-passport and koa-jwt leave in `ctx.state.user`, by its `id` or else its `sub`
 * claim, with its `roles`, `amr` and `auth_time` (see `mfaUserOf`). The default `getUser`.
 *
 * @example
 * // API keys for machines, koa-jwt for people:
 * requireMfa(mfa, { getUser: (ctx) => stateUser(ctx) ?? ctx.state.apiClient ?? null });
 */
export const stateUser: GetUser = (ctx) => mfaUserOf((ctx.state as { user?: unknown } | undefined)?.user);

/** Turns a Koa context into the plain request the core decides on, every part of it read. */
export function toMfaRequest(ctx: Context, getUser: GetUser): MfaRequest {
  return readMfaRequest(koaReader, ctx, getUser(ctx) ?? null, true);
}

/**
 * Writes a core answer (`HttpResult`) out unchanged: its status, its headers, and its body as
 * JSON (`application/json` unless the answer names its own type, such as
 * `application/problem+json`), or no body at all. Use it to send the core's answers from your own
 * routes, e.g. the result of `handleRoute` or a denial of `mfa.check`.
 *
 * @param ctx - The Koa context to answer.
 * @param result - The core's answer.
 *
 * @example
 * const decision = await mfa.check(request, requirement);
 * if (!decision.allow) return writeResult(ctx, decision.response);
 */
export function writeResult(ctx: Context, result: HttpResult): void {
  if (result.body === undefined) {
    // An explicit null body: Koa then sends nothing, whatever the status (like Express's res.end()).
    ctx.body = null;
    ctx.status = result.status;
    ctx.set(result.headers);
    return;
  }
  ctx.status = result.status;
  ctx.set(result.headers);
  // The same Content-Type as Express's res.send(): the answer's own type, else JSON; UTF-8.
  const type = ctx.response.get('Content-Type') || 'application/json';
  ctx.set('Content-Type', /;\s*charset=/i.test(type) ? type : `${type}; charset=utf-8`);
  ctx.body = JSON.stringify(result.body);
}
