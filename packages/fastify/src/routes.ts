import { isDeepStrictEqual } from 'node:util';
import { MfaError } from '@mfakit/core';
import { assertGuarded, combineGuards, type GuardedRoute, guardMarkOf, type RouteException, type RouteGuard } from '@mfakit/core/http';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { answerNotFound } from './lib/routing';

/** A route as Fastify's `onRoute` hook handed it over, and the plugin scope it was declared in. */
interface TrackedRoute {
  options: RouteOptions;
  scope: FastifyInstance;
}

/** The routes of each application that {@link trackRoutes} watches, in the order Fastify declared them. */
const tracked = new WeakMap<FastifyInstance, TrackedRoute[]>();

/** The hooks that run before the handler, in the order Fastify runs them: where a guard can stand. */
const BEFORE_HANDLER = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** A list of HTTP methods in Fastify's route tree (`(GET, HEAD)`): printed only for a route. */
const METHOD_LIST = /\((?:[A-Z-]+, )*[A-Z-]+\)/;

/**
 * Starts the route table of a Fastify application, for {@link mfaRoutes} and
 * {@link assertEveryRouteGuarded}: Fastify keeps no list of its routes and their hooks that can be
 * read afterwards, so an `onRoute` hook notes each route as it is declared. Call it right after
 * `Fastify()`, before the first route; every plugin inherits the hook (Fastify loads plugins
 * later, on `ready()`). It changes nothing in how requests are answered.
 *
 * @param app - The root instance, as `Fastify()` returned it.
 * @throws MfaError `invalid_option` when the application has routes already: those would be
 *   missing from the table.
 *
 * @example
 * const app = Fastify(mfaServerOptions);
 * trackRoutes(app);
 */
export function trackRoutes(app: FastifyInstance): void {
  if (tracked.has(app)) return;
  if (METHOD_LIST.test(app.printRoutes())) {
    throw new MfaError('invalid_option', 'trackRoutes(app) must come right after Fastify(), before the first route: the routes declared before it would be missing from mfaRoutes');
  }
  const routes: TrackedRoute[] = [];
  tracked.set(app, routes);
  app.addHook('onRoute', function trackRoute(options) {
    routes.push({ options, scope: this });
  });
}

/**
 * Every route of a Fastify application, with what guards it: `requireMfa` or `requireFreshMfa`
 * (with its requirement) as a hook of the route or of its plugin scope (`scope.addHook('preHandler',
 * requireMfa(mfa))`), `mfakit` for the routes of `mfaRouter` and `mfaAdminRouter` (which check what
 * each route needs themselves), or `none`. Loads the plugins first (`app.ready()`).
 *
 * What it sees: the hook functions that `requireMfa` returns, in the route's `onRequest`,
 * `preParsing`, `preValidation` or `preHandler` hooks or its scope's (and its parent scopes'), as
 * Fastify runs them; with several, the requirement of them all (each must pass: the shortest
 * `maxAge`, the methods every one accepts). A `requireMfa` hook wrapped in a function of the
 * application's own is not seen: that route is reported `none`. A `HEAD` route guarded as the
 * `GET` route of its path is left out (Fastify adds one for every `GET` route); a route of every
 * method (`app.all`) is one `ALL` route.
 *
 * The scope hooks are read from Fastify's own table of each plugin scope, which Fastify 5 does not
 * publish: should a Fastify version hide it, this throws rather than report a guarded route as open.
 *
 * @param app - The instance given to {@link trackRoutes}.
 * @returns The routes in the order Fastify declared them (a plugin's routes after those of the
 *   scope that registers it), each `{ method, path, guard }`; `path` has the plugins' prefixes.
 *   Print them with `formatRoutes` of `@mfakit/core/http`.
 * @throws MfaError `invalid_option` when {@link trackRoutes} was not called on `app`, or when this
 *   Fastify version's scope hooks cannot be read.
 *
 * @example
 * console.log(formatRoutes(await mfaRoutes(app)));
 * // METHOD  PATH            GUARD
 * // GET     /api/profile    requireMfa
 * // POST    /api/transfers  requireMfa maxAge=300s
 * // POST    /auth/login     NONE
 */
export async function mfaRoutes(app: FastifyInstance): Promise<GuardedRoute[]> {
  const routes = tracked.get(app);
  if (!routes) throw new MfaError('invalid_option', 'mfaRoutes(app) needs trackRoutes(app) right after Fastify(), before the routes are declared');
  await app.ready();
  const all = routes.flatMap((route) => {
    if (route.options.handler === answerNotFound) return []; // the routers' 404 for the rest of their prefix
    const guard = guardOf(route);
    return methodsOf(route.options.method, app.supportedMethods).map((method) => ({ method, path: route.options.url, guard }));
  });
  return withoutHeadTwins(all);
}

/**
 * For the application's own test suite: throws unless every route of the application is guarded
 * (see {@link mfaRoutes}) or named in `except`, so that a route added without `requireMfa` fails
 * the tests instead of shipping open.
 *
 * @param app - The instance given to {@link trackRoutes}.
 * @param options - `except`: the routes open on purpose, as `'POST /auth/login'` (that method and
 *   path), `'/health'` (that path, any method), or a RegExp tested against `'METHOD /path'`.
 * @throws MfaError `unguarded_route`, naming each route that nothing guards; `invalid_option` as
 *   {@link mfaRoutes}.
 *
 * @example
 * test('every route is guarded, or open on purpose', async () => {
 *   const app = buildApp(); // trackRoutes(app) right after Fastify()
 *   await assertEveryRouteGuarded(app, { except: ['POST /auth/login', '/health'] });
 * });
 */
export async function assertEveryRouteGuarded(app: FastifyInstance, options: { except?: readonly RouteException[] } = {}): Promise<void> {
  assertGuarded(await mfaRoutes(app), options.except);
}

/**
 * Leaves out each `HEAD` route whose `GET` route (same path) has the same guard: the one Fastify
 * adds for every `GET` route (`exposeHeadRoute`), and those of plugins such as `@fastify/static`.
 */
function withoutHeadTwins(routes: GuardedRoute[]): GuardedRoute[] {
  const twinOf = (head: GuardedRoute) => routes.some((get) => get.method === 'GET' && get.path === head.path && isDeepStrictEqual(get.guard, head.guard));
  return routes.filter((route) => route.method !== 'HEAD' || !twinOf(route));
}

/** One entry per method; a route of every method the server knows is `ALL`. */
function methodsOf(method: RouteOptions['method'], supported: readonly string[]): string[] {
  const methods = [method].flat();
  return supported.every((m) => methods.includes(m as never)) ? ['ALL'] : methods;
}

/** The marks of the handler (the mfakit routers) and of every hook that runs before it, together. */
function guardOf({ options, scope }: TrackedRoute): RouteGuard {
  const hooks = BEFORE_HANDLER.flatMap((name) => [...scopeHooks(scope, name), ...[options[name] ?? []].flat()]);
  return combineGuards([options.handler, ...hooks].flatMap((fn) => guardMarkOf(fn) ?? []));
}

/**
 * The hooks a plugin scope added with `addHook` (its parents' included), which Fastify joins to
 * each route's own when the application starts. Fastify keeps them under a symbol of its own,
 * `Symbol('fastify.hooks')`, on every scope.
 */
function scopeHooks(scope: FastifyInstance, name: (typeof BEFORE_HANDLER)[number]): unknown[] {
  const table = hooksOf(scope)?.[name];
  if (!Array.isArray(table)) throw new MfaError('invalid_option', "mfaRoutes cannot read this Fastify version's plugin hooks (Fastify 5 keeps them under Symbol(fastify.hooks))");
  return table;
}

function hooksOf(scope: FastifyInstance): Record<string, unknown> | undefined {
  for (let object: object | null = scope; object; object = Object.getPrototypeOf(object)) {
    const symbol = Object.getOwnPropertySymbols(object).find((s) => s.description === 'fastify.hooks');
    if (symbol) return (scope as unknown as Record<symbol, Record<string, unknown>>)[symbol];
  }
  return undefined;
}
