import { MfaError } from '../errors';
import type { Requirement } from '../request';

/**
 * What guards one route of an application, as the adapters' `mfaRoutes` find it:
 * `requireMfa` (or `requireFreshMfa`, `@RequireMFA`) with its requirement; the mfakit routers
 * (`mfaRouter`, `mfaAdminRouter`, `MfaModule`), which check what each of their routes needs
 * themselves; an explicit opt-out (`@SkipMfa`, or `skipMfa` of an adapter); or nothing.
 */
export type RouteGuard = GuardMark | NoGuard;

/**
 * A route nothing guards (`none`), or one that nothing lets through (`deny`: a gateway rule).
 *
 * @example
 * const open: NoGuard = { by: 'none' };
 */
export interface NoGuard {
  /** `none` or `deny`. */
  by: 'none' | 'deny';
}

/** One route of an application and what guards it. */
export interface GuardedRoute {
  /** The HTTP method in upper case (`GET`, `POST`...), or `ALL` for a route of every method. */
  method: string;
  /** The route's path as the application declared it, with its mount prefix (`/api/payees/:id`). */
  path: string;
  /** What guards it. */
  guard: RouteGuard;
}

/**
 * A route the application's tests know to be open on purpose: `'POST /auth/login'` (that method
 * and path), `'/health'` (that path, any method), or a RegExp tested against `'METHOD /path'`.
 */
export type RouteException = string | RegExp;

/** The property an adapter sets on the middleware (or guard) it builds, for `mfaRoutes` to read. */
export const MFA_GUARD: unique symbol = Symbol.for('mfakit.guard') as never;

/**
 * What {@link MFA_GUARD} holds on a middleware function: `requireMfa` with its requirement, an
 * mfakit router (`mfakit`), or an explicit opt-out (`skip`).
 *
 * @example
 * const mark: GuardMark = { by: 'requireMfa', requirement: { maxAge: 300 } };
 */
export type GuardMark = RequireMfaMark | OtherMark;

/**
 * `requireMfa` (or `requireFreshMfa`, `@RequireMFA`) with what it demands.
 *
 * @example
 * const mark: RequireMfaMark = { by: 'requireMfa', requirement: { once: { bindBody: true }, maxAge: 300 } };
 */
export interface RequireMfaMark {
  /** Always `requireMfa`. */
  by: 'requireMfa';
  /** What the route demands. */
  requirement: Requirement;
}

/**
 * An mfakit router, whose routes check what each needs (`mfakit`), or an explicit opt-out (`skip`).
 *
 * @example
 * const mark: OtherMark = { by: 'mfakit' };
 */
export interface OtherMark {
  /** `mfakit` or `skip`. */
  by: 'mfakit' | 'skip';
}

/**
 * Marks a middleware (or guard) function with what it does, for the route inventories; returns it.
 * @internal
 */
export function markGuard<F extends object>(fn: F, mark: GuardMark): F {
  Object.defineProperty(fn, MFA_GUARD, { value: mark, enumerable: false });
  return fn;
}

/** The mark an adapter left on a function, if any. @internal */
export function guardMarkOf(fn: unknown): GuardMark | undefined {
  return (typeof fn === 'function' || (typeof fn === 'object' && fn !== null)) && MFA_GUARD in fn ? (fn as { [MFA_GUARD]: GuardMark })[MFA_GUARD] : undefined;
}

/**
 * The guard of a route that passes through functions with these marks, in any order: the
 * `requireMfa` marks together (each one must pass, so the shortest `maxAge`, the methods every one
 * accepts, `always` and `once` when any sets them), else `mfakit`, else `skip`, else `none`. What
 * each adapter's `mfaRoutes` calls with the marks it found on the way to a route.
 * @internal
 *
 * @example
 * combineGuards([{ by: 'requireMfa', requirement: {} }, { by: 'requireMfa', requirement: { maxAge: 300 } }]);
 * // { by: 'requireMfa', requirement: { maxAge: 300 } }
 */
export function combineGuards(marks: readonly GuardMark[]): RouteGuard {
  const requirements = marks.flatMap((mark) => (mark.by === 'requireMfa' ? [mark.requirement] : []));
  if (requirements.length > 0) return { by: 'requireMfa', requirement: requirements.reduce(bothOf) };
  if (marks.some((mark) => mark.by === 'mfakit')) return { by: 'mfakit' };
  return marks.some((mark) => mark.by === 'skip') ? { by: 'skip' } : { by: 'none' };
}

/** What passing both requirements demands. */
function bothOf(a: Requirement, b: Requirement): Requirement {
  const both: Requirement = {};
  const maxAges = [a.maxAge, b.maxAge].filter((age) => age !== undefined);
  if (maxAges.length > 0) both.maxAge = Math.min(...maxAges);
  if (a.methods && b.methods) both.methods = a.methods.filter((method) => b.methods!.includes(method));
  else if (a.methods ?? b.methods) both.methods = [...(a.methods ?? b.methods)!];
  if (a.always || b.always) both.always = true;
  if (a.once || b.once) both.once = { bindBody: Boolean(a.once?.bindBody || b.once?.bindBody) };
  return both;
}

/**
 * The guard of a route in words, as `mfaRoutes` tables and `mfakit routes` print it:
 * `requireMfa`, `requireMfa maxAge=300s methods=hwk`, `requireMfa once bindBody`, `mfakit`,
 * `skip`, `DENY` (a gateway rule), or `NONE`.
 */
export function describeGuard(guard: RouteGuard): string {
  if (guard.by === 'none' || guard.by === 'deny') return guard.by.toUpperCase();
  if (guard.by !== 'requireMfa') return guard.by;
  const { maxAge, methods, always, once } = guard.requirement;
  const parts = ['requireMfa'];
  if (once) parts.push(once.bindBody ? 'once bindBody' : 'once');
  if (maxAge !== undefined) parts.push(`maxAge=${maxAge}s`);
  if (methods) parts.push(`methods=${methods.join(',')}`);
  if (always) parts.push('always');
  return parts.join(' ');
}

/** The routes as a table, one line each: method, path and guard, in columns. */
export function formatRoutes(routes: readonly GuardedRoute[]): string {
  const rows = [['METHOD', 'PATH', 'GUARD'], ...routes.map((r) => [r.method, r.path, describeGuard(r.guard)])];
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`.trimEnd()).join('\n');
}

/** The routes that nothing guards and that no exception names. */
export function unguardedRoutes(routes: readonly GuardedRoute[], except: readonly RouteException[] = []): GuardedRoute[] {
  return routes.filter((route) => route.guard.by === 'none' && !except.some((e) => excepts(e, route)));
}

function excepts(exception: RouteException, route: GuardedRoute): boolean {
  const line = `${route.method} ${route.path}`;
  if (exception instanceof RegExp) return exception.test(line);
  return exception.startsWith('/') ? exception === route.path : exception === line;
}

/**
 * Throws `MfaError` `unguarded_route` naming every route that nothing guards, unless an exception
 * names it: what each adapter's `assertEveryRouteGuarded` calls with the routes it found.
 * @internal
 */
export function assertGuarded(routes: readonly GuardedRoute[], except: readonly RouteException[] = []): void {
  const open = unguardedRoutes(routes, except);
  if (open.length === 0) return;
  const list = open.map((r) => `  ${r.method} ${r.path}`).join('\n');
  throw new MfaError('unguarded_route', `${open.length === 1 ? 'This route has' : `These ${open.length} routes have`} no MFA guard (add requireMfa, or name it in except):\n${list}`);
}
