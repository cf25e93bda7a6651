import type { Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, type AdminOptions, bodyLimitOf, handleAdminRoute, markGuard, resolveAdminOptions } from '@mfakit/core/http';
import express, { type Request, type Response, type Router } from 'express';
import { type GetUser, passportUser, toMfaRequest, writeResult } from './lib/http';
import { notFound, requestErrors } from './lib/routing';

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
   * @default passport's `req.user` (`id`, else `sub`; its `roles` when they are a list of strings)
   */
  getUser?: GetUser;
  /** The largest JSON body accepted, as `express.json({ limit })` reads it. @default '16kb' */
  bodyLimit?: string;
}

/**
 * The admin routes of the HTTP contract (`ADMIN_ROUTES`): the report of every user, revoking all
 * of a user's factors and sessions (a lost device), granting and lifting an exemption. The core
 * decides each request: a signed-in user (401), allowed by `authorize` (403 `forbidden`), with an
 * MFA proof of their own at most `maxAge` old (401 `mfa_required` / `mfa_stale`); every action is
 * audited with the administrator's id and address. Anything else under the mount is a 404
 * `not_found` problem, body errors 400/413/415 problems.
 *
 * Mount it behind the primary authentication, and before `mfaRouter` when it sits under that
 * router's mount point (`/mfa/admin` under `/mfa`): that router answers 404 for every path it
 * does not know.
 *
 * The audit events (`user.revoked`, `exemption.granted`, `exemption.lifted`) reach the core's
 * `onEvent` option: keep them there if you need an audit trail; mfakit stores none.
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `authorize` is required; checked here, once: a bad option throws `MfaError`
 *   `invalid_option`.
 * @returns An Express `Router` to mount with `app.use()`: `GET /report`,
 *   `DELETE /users/:userId/factors`, `PUT` and `DELETE /users/:userId/exemption`.
 * @throws MfaError `invalid_option` when `authorize` is not a function, `listUsers` is given and
 *   is not one, or `maxAge` is not a Duration.
 * @see NIST SP 800-63B 6.1.2.3 (replacing a lost authenticator)
 * @see https://www.rfc-editor.org/rfc/rfc9470 (the step-up challenge of a stale administrator)
 *
 * @example
 * app.use('/mfa/admin', auth, mfaAdminRouter(mfa, {
 *   authorize: (user) => user.roles?.includes('admin') ?? false,
 *   getUser: (req) => (req.user ? { id: req.user.id, roles: req.user.roles } : null),
 *   listUsers: () => db.users.findAll(),
 * }));
 * app.use('/mfa', auth, mfaRouter(mfa));
 */
export function mfaAdminRouter(mfa: Mfa, options: MfaAdminRouterOptions): Router {
  const admin = resolveAdminOptions(mfa, options);
  const getUser = options.getUser ?? passportUser;
  const router = express.Router();
  router.use(express.json({ limit: bodyLimitOf(options.bodyLimit, 'mfaAdminRouter') }));

  for (const route of ADMIN_ROUTES) {
    const handle = async (req: Request, res: Response) => {
      const input = { ...toMfaRequest(req, getUser), params: req.params as Record<string, string>, body: req.body };
      writeResult(res, await handleAdminRoute(mfa, route.name, input, admin));
    };
    const method = route.method.toLowerCase() as 'get' | 'put' | 'delete';
    router[method](route.path, handle);
  }

  // Anything else under the mount point is not an admin route.
  router.use(notFound('MFA admin'));
  router.use(requestErrors);
  return markGuard(router, { by: 'mfakit' });
}
