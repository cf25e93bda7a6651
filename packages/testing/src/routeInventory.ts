/**
 * What the route inventory tests of the adapters (`mfaRoutes`, `assertEveryRouteGuarded`) share:
 * reading one route's guard, the inventory of the mfakit routers, and the contract of
 * `assertEveryRouteGuarded` on an app with known open routes. Each adapter builds its own apps.
 */
import { MfaError } from '@mfakit/core';
import { ADMIN_ROUTES, CONTRACT_ROUTES, type GuardedRoute, type RouteException } from '@mfakit/core/http';

/**
 * The guard of `METHOD path` in an inventory; throws, naming the routes listed, when it is missing.
 *
 * @example
 * expect(guardOf(mfaRoutes(app), 'GET /health')).toEqual({ by: 'none' });
 */
export function guardOf(routes: readonly GuardedRoute[], line: string): GuardedRoute['guard'] {
  const route = routes.find((r) => `${r.method} ${r.path}` === line);
  if (!route) throw new Error(`${line} is not listed: ${routes.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  return route.guard;
}

/**
 * What `mfaRoutes` lists for `mfaAdminRouter` mounted at `${base}/admin` and `mfaRouter` at `base`,
 * in that order: every route of theirs, each guarded by mfakit.
 *
 * @param base - Where `mfaRouter` is mounted.
 * @default base '/mfa'
 */
export function mfakitRoutes(base = '/mfa'): GuardedRoute[] {
  return [
    ...ADMIN_ROUTES.map((r) => ({ method: r.method, path: `${base}/admin${r.path}`, guard: { by: 'mfakit' as const } })),
    ...CONTRACT_ROUTES.map((r) => ({ method: r.method, path: r.path === '/' ? base : `${base}${r.path}`, guard: { by: 'mfakit' as const } })),
  ];
}

/** What `assert` threw, as the MfaError it must be, or null. */
function failureOf(assert: () => void): MfaError | null {
  try {
    assert();
    return null;
  } catch (err) {
    if (!(err instanceof MfaError)) throw err;
    return err;
  }
}

/**
 * The contract of an adapter's `assertEveryRouteGuarded`: it names each open route that `except`
 * does not name, and only those, matching an exception exactly.
 *
 * @param assert - The adapter's `assertEveryRouteGuarded` on a new app whose open routes are
 *   exactly `POST /auth/login`, `GET /health`, `HEAD /health` and `GET /docs/intro`, in that order,
 *   beside routes guarded by `requireMfa` and by `mfaRouter`.
 * @example
 * describeAssertEveryRouteGuarded((except) => assertEveryRouteGuarded(appWithOpenRoutes(), { except }));
 */
export function describeAssertEveryRouteGuarded(assert: (except?: RouteException[]) => void): void {
  describe('assertEveryRouteGuarded', () => {
    test('throws MfaError unguarded_route naming each unguarded route, and no guarded one', () => {
      const error = failureOf(() => assert());

      expect(error?.code).toBe('unguarded_route');
      expect(error!.message.split('\n').slice(1)).toEqual(['  POST /auth/login', '  GET /health', '  HEAD /health', '  GET /docs/intro']);
    });

    test("passes when except names each open route: 'METHOD /path', a path alone (any method), a RegExp", () => {
      expect(() => assert(['POST /auth/login', '/health', /^GET \/docs\//])).not.toThrow();
    });

    test('an exception names a route exactly: another method, or a longer path, stays unguarded', () => {
      const error = failureOf(() => assert(['GET /auth/login', '/health', '/docs']));

      expect(error?.code).toBe('unguarded_route');
      expect(error!.message.split('\n').slice(1)).toEqual(['  POST /auth/login', '  GET /docs/intro']);
    });
  });
}
