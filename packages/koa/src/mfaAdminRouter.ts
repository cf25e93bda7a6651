import Router from '@koa/router';
import type { Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, type AdminOptions, handleAdminRoute, markGuard, problemResponse, resolveAdminOptions } from '@mfakit/core/http';
import type { Context, Middleware } from 'koa';
import { type GetUser, stateUser, toMfaRequest, writeResult } from './lib/http';
import { bodyOf, jsonBody } from './lib/jsonBody';
import { assertDecodable, requestErrors, routerMount } from './lib/routing';

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
   * @default `ctx.state.user` (`id`, else `sub`; its `roles` when they are a list of strings), as koa-passport and koa-jwt set it
   */
  getUser?: GetUser;
  /** The largest JSON body accepted: bytes, or a size such as '16kb'. @default '16kb' */
  bodyLimit?: string | number;
  /** Where the routes live. Every path under it that is not a route answers 404 `not_found`. @default '/mfa/admin' */
  prefix?: string;
}

/**
 * The admin routes of the HTTP contract (`ADMIN_ROUTES`) under `prefix`: the report of every user,
 * revoking all of a user's factors and sessions (a lost device), granting and lifting an
 * exemption. The core decides each request: a signed-in user (401), allowed by `authorize` (403
 * `forbidden`), with an MFA proof of their own at most `maxAge` old (401 `mfa_required` /
 * `mfa_stale`); every action is audited with the administrator's id and address. It parses JSON
 * bodies itself (body errors become 400/413/415 problems) and answers every other path under the
 * prefix with a 404 `not_found` problem.
 *
 * Mount it behind the primary authentication, and before `mfaRouter` when its prefix lies under
 * that router's (`/mfa/admin` under `/mfa`): that router answers 404 for every path it does not know.
 *
 * The audit events (`user.revoked`, `exemption.granted`, `exemption.lifted`) reach the core's
 * `onEvent` option: keep them there if you need an audit trail; mfakit stores none.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `authorize` is required; checked here, once: a bad option throws `MfaError`
 *   `invalid_option`.
 * @returns A @koa/router Router: mount its `routes()`. Its routes: `GET <prefix>/report`,
 *   `DELETE <prefix>/users/:userId/factors`, `PUT` and `DELETE <prefix>/users/:userId/exemption`.
 * @throws MfaError `invalid_option` when `authorize` is not a function, `listUsers` is given and
 *   is not one, `maxAge` is not a Duration, `prefix` is not a path such as '/mfa/admin', or
 *   `bodyLimit` is not a size.
 * @see NIST SP 800-63B 6.1.2.3 (replacing a lost authenticator)
 * @see https://www.rfc-editor.org/rfc/rfc9470 (the step-up challenge of a stale administrator)
 *
 * @example
 * app.use(jwt({ secret }));
 * app.use(mfaAdminRouter(mfa, {
 *   authorize: (user) => user.roles?.includes('admin') ?? false,
 *   getUser: (ctx) => (ctx.state.user ? { id: ctx.state.user.sub, roles: ctx.state.user.roles } : null),
 * }).routes());
 * app.use(mfaRouter(mfa).routes());
 */
export function mfaAdminRouter(mfa: Mfa, options: MfaAdminRouterOptions): Router {
  const admin = resolveAdminOptions(mfa, options);
  const getUser = options.getUser ?? stateUser;
  const { prefix, bodyLimit } = routerMount('mfaAdminRouter', options, '/mfa/admin');
  const router = new Router({ prefix });
  // On each route rather than router.use(), as in mfaRouter.
  const parse: Middleware[] = [requestErrors, jsonBody(bodyLimit)];

  for (const route of ADMIN_ROUTES) {
    const handle = async (ctx: Context) => {
      if (route.path.includes('/:')) assertDecodable(ctx);
      const input = { ...toMfaRequest(ctx, getUser), params: { ...ctx.params }, body: bodyOf(ctx) };
      writeResult(ctx, await handleAdminRoute(mfa, route.name, input, admin));
    };
    const method = route.method.toLowerCase() as 'get' | 'put' | 'delete';
    router[method](route.name, route.path, ...parse, handle);
  }

  // Anything else under the prefix, the prefix itself included, is not an admin route.
  router.all('{/*rest}', ...parse, (ctx: Context) => writeResult(ctx, problemResponse({ code: 'not_found', detail: `No such MFA admin route: ${ctx.method} ${ctx.path.slice(0, 100)}` })));
  return markGuard(router, { by: 'mfakit' });
}
