/**
 * Threat: a demo route that a change leaves without its MFA guard. Every route of a demo is
 * guarded by requireMfa (`@RequireMFA` under MfaGuard) or by the mfakit routers, except those open
 * on purpose, named in {@link DEMO_OPEN_ROUTES}: a route added without a guard, or an exception
 * that no longer names an open route, fails.
 */
import { MfaError } from '@mfakit/core';
import { describeGuard, type GuardedRoute, type RouteException } from '@mfakit/core/http';

/** The demos' routes open on purpose, on every framework: nothing in them needs a second factor. */
export const DEMO_OPEN_ROUTES: readonly string[] = [
  // The primary login, which comes before any MFA.
  'POST /auth/login',
  // The account routes, behind the primary login only: who the user is, their notices and the
  // codes sent to them, which the page shows before a second factor exists.
  'GET /api/me',
  'GET /api/notifications',
  'GET /api/outbox',
];

/** One demo's route inventory, through its adapter. */
export interface DemoRoutes {
  /** `mfaRoutes` of the adapter, on the demo's app. */
  list(): GuardedRoute[] | Promise<GuardedRoute[]>;
  /** `assertEveryRouteGuarded` of the adapter, on the demo's app. */
  assert(except?: RouteException[]): void | Promise<void>;
  /** Routes open on purpose beyond {@link DEMO_OPEN_ROUTES} that this framework lists (the page's files, served as routes). */
  alsoOpen?: readonly string[];
}

/**
 * The route inventory of a demo: everything guarded but the routes open on purpose, those exactly,
 * and the requirement of each protected route as the adapter reports it.
 *
 * @param routes - The demo's app, through its adapter's `mfaRoutes` and `assertEveryRouteGuarded`.
 * @example
 * describeDemoRoutes({ list: () => mfaRoutes(app), assert: (except) => assertEveryRouteGuarded(app, { except }), alsoOpen: ['GET /vendor/mfakit-client.js'] });
 */
export function describeDemoRoutes(routes: DemoRoutes): void {
  const open = [...DEMO_OPEN_ROUTES, ...(routes.alsoOpen ?? [])];

  test('every route but those open on purpose is guarded', async () => {
    await expect(Promise.resolve().then(() => routes.assert(open))).resolves.toBeUndefined();
  });

  test('the routes open on purpose are exactly the unguarded ones: no stale exception', async () => {
    const failure = await Promise.resolve()
      .then(() => routes.assert())
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MfaError);
    const named = (failure as MfaError).message.split('\n').slice(1);
    expect(named.sort()).toEqual(open.map((route) => `  ${route}`).sort());
  });

  test('the protected and step-up routes show their requirement; the enrollment and admin routes are mfakit', async () => {
    const guards = Object.fromEntries((await routes.list()).map((route) => [`${route.method} ${route.path}`, describeGuard(route.guard)]));
    expect(guards['GET /api/profile']).toBe('requireMfa');
    expect(guards['POST /api/transfers']).toBe('requireMfa maxAge=300s');
    expect(guards['POST /api/payees']).toBe('requireMfa once bindBody maxAge=300s');
    expect(guards['POST /mfa/verify']).toBe('mfakit');
    expect(guards['GET /mfa/admin/report']).toBe('mfakit');
  });
}
