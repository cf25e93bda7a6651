import { METHODS } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { MfaError } from '@mfakit/core';
import { assertGuarded, combineGuards, type GuardedRoute, type GuardMark, guardMarkOf, type RouteException } from '@mfakit/core/http';
import type { Express, Router } from 'express';

/** A path as Express takes it: a string, a RegExp, or a list of them. */
type PathParams = string | RegExp | readonly PathParams[];

/**
 * What `mfaRoutes` reads of a layer of Express 5's router (the `router` package, 2.x). Its
 * `Layer` is internal, so only what 2.x keeps is read: `route` (a route, with its own `path`),
 * `handle` (the middleware, or a mounted router with its `stack`), `rawPath` (the path given to
 * `use`, kept since router 2.3.0), `slash` (a `use` at `/`) and `match(path)`.
 */
interface RouterLayer {
  handle: ((...args: never[]) => unknown) & { stack?: unknown };
  route?: { path: PathParams; methods: Record<string, boolean | undefined>; stack: { method?: string; handle: unknown }[] };
  rawPath?: PathParams;
  slash?: boolean;
  match(path: string): unknown;
}

/** The marks that guard a route of this method and full path, on the way to it. */
type Scope = (path: string, method: string) => GuardMark[];

/**
 * How a mount path that the router did not keep is shown (router before 2.3.0, which an older lock
 * file of an Express 5 app may hold): the routes under it are listed, with this in place of the mount.
 */
const UNKNOWN_MOUNT = '/<mount>';

/** The name Express gives the function that stands for a sub-application: `app.use('/x', otherApp)`. */
const MOUNTED_APP = 'mounted_app';

/**
 * Every route of an Express application (or Router) with what guards it, in the order Express
 * matches them: one entry per method (upper case; `ALL` for `app.all`) and path, the mount
 * prefixes included. A route is guarded by `requireMfa` (or `requireFreshMfa`) when one is in its
 * own handlers, or in an `app.use`/`router.use` before it on the way to it: `app.use(requireMfa(mfa))`
 * guards every route registered after it, `app.use('/api', requireMfa(mfa))` those under `/api`,
 * and a route made only of guards (`app.all('/api/{*rest}', requireMfa(mfa))`) those after it that
 * it matches. The routes of `mfaRouter` and `mfaAdminRouter` are listed with their full path and
 * the guard `mfakit` (they check what each route needs themselves). Middleware that is not a route
 * (`express.static`, a 404 handler) is not listed; a mounted sub-application, whose routes Express
 * does not expose, is listed once as `ALL <mount>/*`: call `mfaRoutes` on it too.
 *
 * Read it in a test, or print it with `formatRoutes` of `@mfakit/core/http`. With router before
 * 2.3.0 a mount path is shown as `/<mount>` (the router did not keep it); the guards are still found.
 *
 * @param app - The application, or a Router, with every route registered.
 * @returns The routes, each with its `guard`: `requireMfa` (with the requirement every guard on
 *   the way demands together), `mfakit`, or `none`.
 * @throws MfaError `invalid_option` when `app` is neither an Express application nor a Router.
 *
 * @example
 * console.log(formatRoutes(mfaRoutes(app)));
 * // METHOD  PATH           GUARD
 * // POST    /auth/login    NONE
 * // GET     /api/profile   requireMfa
 */
export function mfaRoutes(app: Express | Router): GuardedRoute[] {
  const routes: GuardedRoute[] = [];
  walk(stackOf(app), '', [], routes);
  return routes;
}

/**
 * Throws `MfaError` `unguarded_route` naming every route of the application that nothing guards
 * (see {@link mfaRoutes}), unless `except` names it: the test that keeps a forgotten `requireMfa`
 * from reaching production.
 *
 * @param app - The application, or a Router, with every route registered.
 * @param options - `except`: the routes open on purpose, as `'POST /auth/login'` (that method and
 *   path), `'/health'` (that path, any method) or a RegExp tested against `'METHOD /path'`.
 * @throws MfaError `unguarded_route`, its message listing each unguarded route on a line.
 *
 * @example
 * test('every route is guarded', () => {
 *   assertEveryRouteGuarded(createApp(), { except: ['POST /auth/login', '/health', /^GET \/docs/] });
 * });
 */
export function assertEveryRouteGuarded(app: Express | Router, options: { except?: readonly RouteException[] } = {}): void {
  assertGuarded(mfaRoutes(app), options.except);
}

function stackOf(app: Express | Router): RouterLayer[] {
  const router = isRouter(app) ? app : (app as { router?: unknown } | null)?.router;
  if (!isRouter(router)) throw new MfaError('invalid_option', 'mfaRoutes takes an Express 5 application or an express.Router()');
  return router.stack as RouterLayer[];
}

function isRouter(value: unknown): value is { stack: unknown[] } {
  return typeof value === 'function' && Array.isArray((value as { stack?: unknown }).stack);
}

/** Lists the routes of one router's stack, under `prefix`, with the guards in force on entering it. */
function walk(stack: readonly RouterLayer[], prefix: string, entering: readonly Scope[], routes: GuardedRoute[]): void {
  const scopes = [...entering];
  for (const layer of stack) {
    if (layer.route) {
      addRoute(layer, prefix, scopes, routes);
      continue;
    }
    const mark = guardMarkOf(layer.handle);
    if (isRouter(layer.handle)) {
      const inner = mark ? [...scopes, () => [mark]] : scopes;
      for (const mounted of mountsOf(layer, prefix)) walk(layer.handle.stack as RouterLayer[], mounted, inner, routes);
    } else if (mark) {
      scopes.push((path) => (layer.slash || matches(layer, prefix, path) ? [mark] : []));
    } else if (layer.handle.name === MOUNTED_APP) {
      for (const mounted of mountsOf(layer, prefix)) {
        const path = `${mounted}/*`;
        routes.push({ method: 'ALL', path, guard: guardOf(scopes, path, 'ALL', []) });
      }
    }
  }
}

/** Adds a route, one entry per method and path; a route made only of guards guards those after it instead. */
function addRoute(layer: RouterLayer, prefix: string, scopes: Scope[], routes: GuardedRoute[]): void {
  const route = layer.route!;
  if (route.stack.every((handler) => guardMarkOf(handler.handle))) {
    scopes.push((path, method) => ((route.methods._all || route.methods[method.toLowerCase()]) && matches(layer, prefix, path) ? ownMarks(layer, method) : []));
    return;
  }
  const methods = Object.keys(route.methods).map((method) => (method === '_all' ? 'ALL' : method.toUpperCase()));
  for (const path of fullPathsOf(route.path, prefix)) {
    const entries = methods.map((method) => ({ method, path, guard: guardOf(scopes, path, method, ownMarks(layer, method)) }));
    routes.push(...asAll(entries));
  }
}

/**
 * `app.all(path, ...)` registers the route for every method of Node's `http.METHODS`: one `ALL`
 * entry stands for them when they share a guard.
 */
function asAll(entries: GuardedRoute[]): GuardedRoute[] {
  const everyMethod = METHODS.every((method) => entries.some((entry) => entry.method === method));
  const [first] = entries;
  if (!everyMethod || !first || entries.some((entry) => !isDeepStrictEqual(entry.guard, first.guard))) return entries;
  return [{ ...first, method: 'ALL' }];
}

/** The marks on a route's own handlers for this method (`ALL` handlers run for every method). */
function ownMarks(layer: RouterLayer, method: string): GuardMark[] {
  const handlers = layer.route!.stack.filter((handler) => handler.method === undefined || handler.method === method.toLowerCase());
  return handlers.flatMap((handler) => guardMarkOf(handler.handle) ?? []);
}

function guardOf(scopes: readonly Scope[], path: string, method: string, own: GuardMark[]): GuardedRoute['guard'] {
  return combineGuards([...scopes.flatMap((scope) => scope(path, method)), ...own]);
}

/** Whether a layer of the router mounted at `prefix` matches a route's full path, as Express would match a request for it. */
function matches(layer: RouterLayer, prefix: string, path: string): boolean {
  return path.startsWith(prefix) && Boolean(layer.match(path.slice(prefix.length) || '/'));
}

/**
 * The prefixes of what a `use` layer mounts under `prefix`, without a trailing slash ('' at the
 * root), as Express matches them; UNKNOWN_MOUNT where the router did not keep the path.
 */
function mountsOf(layer: RouterLayer, prefix: string): string[] {
  if (layer.rawPath === undefined) return [layer.slash ? prefix : `${prefix}${UNKNOWN_MOUNT}`];
  return pathsOf(layer.rawPath).map((mount) => `${prefix}${typeof mount === 'string' ? mount.replace(/\/+$/, '') : String(mount)}`);
}

/** A route's full paths under `prefix`, as declared: `/api` + `/users` is `/api/users`, `/api` + `/` is `/api`, '' + `/` is `/`. */
function fullPathsOf(route: PathParams, prefix: string): string[] {
  return pathsOf(route).map((path) => (path === '/' ? prefix || '/' : `${prefix}${String(path)}`));
}

function pathsOf(path: PathParams): (string | RegExp)[] {
  return Array.isArray(path) ? path.flatMap(pathsOf) : [path as string | RegExp];
}
