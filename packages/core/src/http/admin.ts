import type { UserSource } from '../admin';
import { requireFreshProof } from '../check';
import { contextOf, type Mfa } from '../createMfa';
import { describe } from '../lib/describe';
import { SIGN_IN_FIRST, UNAVAILABLE } from '../problem';
import { type Duration, toMs } from '../lib/duration';
import { MfaError } from '../errors';
import type { MfaUser } from '../request';
import { userIdOf } from '../request';
import type { RouteInput } from './contract';
import { type HttpResult, NO_STORE, outcomeHeaders, problemResponse } from './problems';

/**
 * The options of the admin router, on every framework (`mfaAdminRouter` of `@mfakit/express` and
 * `@mfakit/koa`, `MfaModule`'s admin controller in `@mfakit/nestjs`).
 *
 * @example
 * mfaAdminRouter(mfa, {
 *   authorize: (user) => user.roles?.includes('admin') ?? false,
 *   listUsers: () => db.users.findAll(), // so the report counts users who never came near MFA
 *   maxAge: '5m',
 * });
 */
export interface AdminOptions {
  /** Whether this (signed-in) user may administer MFA, e.g. `(user) => user.roles?.includes('admin')`. */
  authorize: (user: MfaUser) => boolean | Promise<boolean>;
  /** The application's users, so the report counts those who never came near MFA. @defaultValue only users the stores know */
  listUsers?: () => UserSource | Promise<UserSource>;
  /** How recent the administrator's own proof must be, as a Duration. @defaultValue the core's `freshProofMaxAge` (`'5m'`) */
  maxAge?: Duration;
}

/** The names of the admin routes, as in {@link ADMIN_ROUTES}. */
export type AdminRouteName = 'report' | 'revoke' | 'unlock' | 'grantExemption' | 'liftExemption' | 'enableFactor';

/** One admin route of the HTTP contract: what an adapter mounts, and the handler to call. */
export interface AdminRoute {
  /** The route's name, to pass to {@link handleAdminRoute}. */
  name: AdminRouteName;
  /** The HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the admin router's mount point (`/mfa/admin` in the demos). */
  path: string;
}

/**
 * The admin routes of the HTTP contract, for adapters to mount as is: `GET /report`,
 * `DELETE /users/:userId/factors` (revoke), `DELETE /users/:userId/lock` (unlock), `PUT` and
 * `DELETE /users/:userId/exemption`, `POST /users/:userId/factors/:factorId/enable` (a disabled
 * passkey enabled again).
 * @see the README's "The HTTP contract"
 */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { name: 'report', method: 'GET', path: '/report' },
  { name: 'revoke', method: 'DELETE', path: '/users/:userId/factors' },
  { name: 'unlock', method: 'DELETE', path: '/users/:userId/lock' },
  { name: 'grantExemption', method: 'PUT', path: '/users/:userId/exemption' },
  { name: 'liftExemption', method: 'DELETE', path: '/users/:userId/exemption' },
  { name: 'enableFactor', method: 'POST', path: '/users/:userId/factors/:factorId/enable' },
];

/**
 * Checks the admin options once, when the router is built, and turns `maxAge` into seconds.
 *
 * @param mfa - The core, for its default `freshProofMaxAge`.
 * @param options - The admin router's options.
 * @returns The options, with `maxAgeSeconds`: what {@link handleAdminRoute} takes.
 * @throws MfaError `invalid_option` without an `authorize` function, with a `listUsers` that is not
 *   a function, or with a malformed `maxAge`.
 * @example
 * const admin = resolveAdminOptions(mfa, { authorize: (user) => user.roles?.includes('admin') ?? false });
 */
export function resolveAdminOptions(mfa: Mfa, options: AdminOptions): AdminOptions & { maxAgeSeconds: number } {
  if (typeof options?.authorize !== 'function') throw new MfaError('invalid_option', 'The admin router needs authorize(user), a function');
  if (options.listUsers !== undefined && typeof options.listUsers !== 'function') throw new MfaError('invalid_option', 'listUsers must be a function');
  const maxAgeMs = options.maxAge === undefined ? contextOf(mfa).freshProofMaxAgeMs : toMs(options.maxAge, 'admin maxAge');
  return { ...options, maxAgeSeconds: maxAgeMs / 1000 };
}

type Handler = (mfa: Mfa, input: RouteInput & { user: MfaUser }, options: AdminOptions) => Promise<HttpResult>;

const FACTOR_ID = /^[A-Za-z0-9_-]{1,64}$/; // as mfakit makes them (`fac_` and base64url), as the contract's routes check them

/** A route about one user (`/users/:userId/...`): the handler gets the checked id, or the answer is 400. */
const aboutUser =
  (handler: (mfa: Mfa, input: RouteInput & { user: MfaUser }, userId: string) => Promise<HttpResult>): Handler =>
  async (mfa, input) => {
    const userId = userIdOf({ id: input.params.userId ?? '' });
    if (!userId) return problemResponse({ code: 'invalid_request', detail: 'The user id is malformed (1 to 256 characters).' });
    return handler(mfa, input, userId);
  };

const handlers: Record<AdminRouteName, Handler> = {
  report: async (mfa, _input, options) => json(200, await mfa.admin.report(options.listUsers ? await options.listUsers() : [])),
  revoke: aboutUser(async (mfa, input, userId) => json(200, await mfa.admin.revokeUser(userId, actorOf(input)))),
  unlock: aboutUser(async (mfa, input, userId) => {
    await mfa.admin.unlockUser(userId, actorOf(input));
    return { status: 204, headers: { ...NO_STORE } };
  }),
  grantExemption: aboutUser(async (mfa, input, userId) => {
    const body = input.body !== null && typeof input.body === 'object' && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : {};
    const granted = await mfa.admin.grantExemption(userId, { reason: body.reason, expiresAt: body.expiresAt, expiresIn: body.expiresIn }, actorOf(input));
    return granted.ok ? json(200, { userId, exemption: granted.value }) : problemResponse(granted.problem);
  }),
  liftExemption: aboutUser(async (mfa, input, userId) => {
    if (await mfa.admin.liftExemption(userId, actorOf(input))) return { status: 204, headers: { ...NO_STORE } };
    return problemResponse({ code: 'not_found', detail: 'This user has no exemption.' });
  }),
  enableFactor: aboutUser(async (mfa, input, userId) => {
    const factorId = input.params.factorId;
    if (typeof factorId !== 'string' || !FACTOR_ID.test(factorId)) return problemResponse({ code: 'invalid_request', detail: 'The factor id is malformed.' });
    if (await mfa.admin.enableFactor(userId, factorId, actorOf(input))) return { status: 204, headers: { ...NO_STORE } };
    return problemResponse({ code: 'factor_not_found', detail: 'This user has no factor with this id.' });
  }),
};

/**
 * Answers one admin route. In order: a signed-in user (401), allowed by `authorize` (403
 * `forbidden`), with a proof of their own at most `maxAge` old, which no exemption stands in for
 * (401 `mfa_required` / `mfa_stale` with the RFC 9470 challenge); then the action. Never throws:
 * a failing store is a 503 `mfa_unavailable`, its cause logged.
 *
 * @param mfa - The core.
 * @param name - The route, from {@link ADMIN_ROUTES}.
 * @param input - The request: the administrator as `user`, `params.userId`, the parsed body.
 * @param options - What {@link resolveAdminOptions} returned.
 * @returns The HTTP answer to write out unchanged.
 * @see RFC 9470 (step-up challenge); RFC 9457 (problem details)
 * @example
 * const result = await handleAdminRoute(mfa, 'report', { user, params: {}, body: undefined }, admin);
 * res.status(result.status).set(result.headers).json(result.body);
 */
export async function handleAdminRoute(mfa: Mfa, name: AdminRouteName, input: RouteInput, options: AdminOptions & { maxAgeSeconds: number }): Promise<HttpResult> {
  const id = userIdOf(input.user);
  if (!id) return problemResponse(SIGN_IN_FIRST);
  const admin = { ...input.user!, id };
  const ctx = contextOf(mfa);
  try {
    if (!(await options.authorize(admin))) return problemResponse({ code: 'forbidden', detail: 'This account may not administer MFA.' });
    const fresh = await requireFreshProof(ctx, { ...input, user: admin }, options.maxAgeSeconds * 1000);
    if (!fresh.ok) return problemResponse(fresh.problem, fresh.issuedSession);
    const result = await handlers[name](mfa, { ...input, user: admin }, options);
    return { ...result, headers: { ...result.headers, ...outcomeHeaders(fresh) } };
  } catch (err) {
    ctx.logger.error(`admin ${name} failed: ${describe(err)}`);
    return problemResponse(UNAVAILABLE);
  }
}

function actorOf(input: RouteInput & { user: MfaUser }) {
  return { by: input.user.id, ...(input.ip ? { ip: input.ip } : {}) };
}

function json(status: number, body: unknown): HttpResult {
  return { status, headers: { ...NO_STORE }, body };
}
