import type { Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, type AdminOptions, handleAdminRoute, jsonBodyReader, resolveAdminOptions } from '@mfakit/core/http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type GetUser, requestUser } from './lib/http';
import { mountRoutes } from './lib/routing';

/**
 * The options of `mfaAdminRouter`: the core's `AdminOptions` (`authorize`, `listUsers`, `maxAge`)
 * and how this adapter reads requests.
 *
 * @example
 * const options: MfaAdminRouterOptions = { authorize: (user) => user.roles?.includes('admin') ?? false, maxAge: '5m' };
 */
export interface MfaAdminRouterOptions extends AdminOptions {
  /**
   * Where the primary user is. `authorize` sees what this returns, so return the roles it checks.
   * @default `request.user` (`id`, else `sub`; its `roles` when they are a list of strings), as @fastify/jwt sets it
   */
  getUser?: GetUser;
  /** The largest JSON body accepted: bytes, or a size such as '16kb'. @default '16kb' */
  bodyLimit?: string | number;
}

/**
 * The admin routes of the HTTP contract (`ADMIN_ROUTES`) as a Fastify plugin: the report of every
 * user, revoking all of a user's factors and sessions (a lost device), unlocking, granting and
 * lifting an exemption. The core decides each request: a signed-in user (401), allowed by
 * `authorize` (403 `forbidden`), with an MFA proof of their own at most `maxAge` old (401
 * `mfa_required` / `mfa_stale`); every action is audited with the administrator's id and
 * address. Body errors become 400/413/415 problems, and every other path under the prefix is a
 * 404 `not_found` problem. Register it with a `prefix` (`/mfa/admin` in the demos) behind the
 * primary authentication; Fastify routes `/mfa/admin/...` to it even when `mfaRouter` has `/mfa`.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `authorize` is required; checked here, once: a bad option throws `MfaError`
 *   `invalid_option`.
 * @returns A plugin for `app.register(plugin, { prefix: '/mfa/admin' })`.
 * @throws MfaError `invalid_option` when `authorize` is not a function, `listUsers` is given and
 *   is not one, `maxAge` is not a Duration, or `bodyLimit` is not a size.
 * @see NIST SP 800-63B 6.1.2.3 (replacing a lost authenticator)
 * @see https://www.rfc-editor.org/rfc/rfc9470 (the step-up challenge of a stale administrator)
 *
 * @example
 * app.register(mfaAdminRouter(mfa, { authorize: (user) => user.roles?.includes('admin') ?? false }), { prefix: '/mfa/admin' });
 */
export function mfaAdminRouter(mfa: Mfa, options: MfaAdminRouterOptions): FastifyPluginAsync {
  const admin = resolveAdminOptions(mfa, options);
  const getUser = options.getUser ?? requestUser;
  const readBody = jsonBodyReader(options.bodyLimit, 'mfaAdminRouter');

  return async function mfaAdminRouter(app: FastifyInstance) {
    mountRoutes(app, ADMIN_ROUTES, { readBody, getUser, answer: (route, input) => handleAdminRoute(mfa, route.name, input, admin) });
  };
}
