import { METHODS } from 'node:http';
import type Router from '@koa/router';
import type { Layer } from '@koa/router';
import { MfaError } from '@mfakit/core';
import { assertGuarded, combineGuards, type GuardedRoute, type GuardMark, guardMarkOf, type RouteException } from '@mfakit/core/http';
import type Koa from 'koa';

/** What `mfaRoutes` reads: a Koa application, a @koa/router Router, or routers in the order the app mounts them. */
export type RouteSource = Koa | Router | readonly Router[];

/** The marks that guard a route of this method and path, on the way to it. */
type Scope = (path: string, method: string) => GuardMark[];

/**
 * Every route of a Koa application with what guards it, in the order they are matched: one entry
 * per method (upper case; `ALL` for `router.all`) and path, with the router's prefix. Koa keeps no
 * route table of its own: give the application (its middleware is read in order, and each
 * `router.routes()` mounted on it), a Router, or the routers in the order the application mounts them.
 *
 * A route is guarded by `requireMfa` (or `requireFreshMfa`) when one is in its own middleware, in a
 * `router.use(...)` before it whose path it is under (@koa/router runs those for the routes
 * registered after them), or in an `app.use(requireMfa(mfa))` before its router; a route made only
 * of guards (`router.all('/api/{*rest}', requireMfa(mfa))`) guards the routes after it that it
 * matches. The routes of `mfaRouter` and `mfaAdminRouter` mounted with `app.use(....routes())` (or
 * given here) are listed with the guard `mfakit`. Nested in another router
 * (`router.use(mfaRouter(mfa).routes())`), @koa/router copies their routes and they show `NONE`:
 * mount them on the app instead. Middleware that is not in a router is not a route.
 *
 * @param source - The application, a Router, or a list of Routers, with every route registered.
 * @returns The routes, each with its `guard`: `requireMfa` (with the requirement every guard on
 *   the way demands together), `mfakit`, or `none`.
 * @throws MfaError `invalid_option` when `source` is none of those.
 *
 * @example
 * console.log(formatRoutes(mfaRoutes(app)));
 * // METHOD  PATH           GUARD
 * // POST    /auth/login    NONE
 * // GET     /api/profile   requireMfa
 */
export function mfaRoutes(source: RouteSource): GuardedRoute[] {
  const routes: GuardedRoute[] = [];
  if (isRouter(source)) walk(source, [], routes);
  else if (Array.isArray(source) && source.every(isRouter)) for (const router of source) walk(router, [], routes);
  else if (isKoa(source)) walkApp(source, routes);
  else throw new MfaError('invalid_option', 'mfaRoutes takes a Koa application, a @koa/router Router, or a list of Routers');
  return routes;
}

/**
 * Throws `MfaError` `unguarded_route` naming every route that nothing guards (see
 * {@link mfaRoutes}), unless `except` names it: the test that keeps a forgotten `requireMfa` from
 * reaching production.
 *
 * @param source - The application, a Router, or a list of Routers, with every route registered.
 * @param options - `except`: the routes open on purpose, as `'POST /auth/login'` (that method and
 *   path), `'/health'` (that path, any method) or a RegExp tested against `'METHOD /path'`.
 * @throws MfaError `unguarded_route`, its message listing each unguarded route on a line.
 *
 * @example
 * test('every route is guarded', () => {
 *   assertEveryRouteGuarded(createApp(), { except: ['POST /auth/login', '/health', /^GET \/docs/] });
 * });
 */
export function assertEveryRouteGuarded(source: RouteSource, options: { except?: readonly RouteException[] } = {}): void {
  assertGuarded(mfaRoutes(source), options.except);
}

function isRouter(value: unknown): value is Router {
  const router = value as Partial<Router> | null;
  return typeof router === 'object' && router !== null && Array.isArray(router.stack) && typeof router.routes === 'function';
}

function isKoa(value: unknown): value is Koa {
  return typeof value === 'object' && value !== null && Array.isArray((value as Partial<Koa>).middleware);
}

/** The app's middleware in order: a marked one guards what follows it; a router's dispatch (`routes()`) holds routes. */
function walkApp(app: Koa, routes: GuardedRoute[]): void {
  const scopes: Scope[] = [];
  for (const middleware of app.middleware) {
    const mark = guardMarkOf(middleware);
    const router = (middleware as { router?: unknown }).router;
    if (mark) scopes.push(() => [mark]);
    else if (isRouter(router)) walk(router, scopes, routes);
  }
}

/** Lists a router's routes, with the guards in force on entering it. */
function walk(router: Router, entering: readonly Scope[], routes: GuardedRoute[]): void {
  const mark = guardMarkOf(router);
  const scopes = mark ? [...entering, () => [mark]] : [...entering];
  for (const layer of router.stack) {
    const marks = layer.stack.flatMap((fn) => guardMarkOf(fn) ?? []);
    if (layer.methods.length === 0) {
      // router.use(): @koa/router runs it for the routes after it whose path it matches.
      if (marks.length > 0) scopes.push((path) => (layer.match(path) ? marks : []));
    } else if (mark && layer.name === undefined) {
      // The unnamed catch-all of an mfakit router (every contract route is named): its 404 answer.
    } else if (marks.length === layer.stack.length) {
      scopes.push((path, method) => (layer.match(path) && layer.methods.includes(method) ? marks : []));
    } else {
      const path = String(layer.path);
      for (const method of methodsOf(layer)) routes.push({ method, path, guard: combineGuards([...scopes.flatMap((scope) => scope(path, method)), ...marks]) });
    }
  }
}

/** A layer's methods, without the HEAD that @koa/router adds to a GET; `ALL` for `router.all()`. */
function methodsOf(layer: Layer): string[] {
  if (METHODS.every((method) => layer.methods.includes(method))) return ['ALL'];
  return layer.methods.filter((method) => method !== 'HEAD' || !layer.methods.includes('GET'));
}
