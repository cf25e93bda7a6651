import { MfaError } from '@mfakit/core';
import { assertGuarded, type GuardedRoute, type RouteException, type RouteGuard } from '@mfakit/core/http';
import { type INestApplication, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory';
import { MfaAdminController } from './mfaAdminController';
import { MfaController } from './mfaController';
import { isMfaGuard, routeMarks } from './mfaGuard';
import { MFA_MODULE_OPTIONS, type MfaModuleSettings } from './mfaOptions';

// A route handler or its controller class, as Nest's Reflector reads them.
// biome-ignore lint/complexity/noBannedTypes: Nest's own type for reflector targets, as in mfaGuard.ts
type RouteTarget = Function;

/** What decides the guard of each route: the reflector, and where `MfaGuard` runs for every route. */
interface Guarding {
  reflector: Reflector;
  /** `MfaGuard` is a global guard (`APP_GUARD` or `useGlobalGuards`). */
  global: boolean;
  /** The module's `requireByDefault`: a global `MfaGuard` then guards the routes without a mark. */
  requireByDefault: boolean;
}

/**
 * Every route of a Nest application's controllers, with what guards it, as `MfaGuard` would
 * decide: `requireMfa` (with the requirement of `@RequireMFA()`, the handler's over the
 * controller's) where `MfaGuard` runs on the route, `skip` under `@SkipMfa()`, `mfakit` for the
 * controllers of `MfaModule` (which check what each route needs themselves), and `none` for the
 * rest. A route marked `@RequireMFA()` where no `MfaGuard` runs is `none`: the mark alone guards
 * nothing.
 *
 * `MfaGuard` runs on a route when it is bound globally (an `APP_GUARD` provider or
 * `app.useGlobalGuards()`) or named in `@UseGuards()` of the handler or its controller (the class,
 * an instance or a subclass). With a global guard, a route without a mark is guarded only under
 * `requireByDefault: true`. The paths are built by Nest's own `RoutePathFactory`, as Nest builds
 * them: the global prefix (and its `exclude`), `RouterModule` paths, the controller's and the
 * handler's paths, and URI versions.
 *
 * Not seen: routes of the HTTP adapter itself (middleware, `app.use()`, static files), microservice
 * and WebSocket handlers, and a guard that calls `MfaGuard` from inside a guard of its own (its
 * routes are `none`). A route of another version at the same path (header or media-type
 * versioning) is listed once per controller. The global prefix and the global guards are read
 * from the application's configuration, which Nest keeps as a private field: should a Nest
 * version rename it, this throws rather than guess.
 *
 * @param app - The application, created (`NestFactory.create`, `createNestApplication`) and
 *   configured (global prefix, global guards); it need not be listening.
 * @returns The routes, module by module and controller by controller, each `{ method, path,
 *   guard }` with `method` in upper case (`ALL` for `@All()`). Print them with `formatRoutes`
 *   of `@mfakit/core/http`.
 * @throws MfaError `invalid_option` when `app` is not a Nest HTTP application.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * console.log(formatRoutes(mfaRoutes(app)));
 * // METHOD  PATH            GUARD
 * // GET     /api/profile    requireMfa
 * // POST    /api/transfers  requireMfa maxAge=300s
 * // POST    /auth/login     NONE
 */
export function mfaRoutes(app: INestApplication): GuardedRoute[] {
  const config = configOf(app);
  const modules = app.get(ModulesContainer);
  const paths = new RoutePathFactory(config);
  const guarding: Guarding = { reflector: app.get(Reflector), global: hasGlobalMfaGuard(config), requireByDefault: requireByDefaultOf(app) };
  const globalPrefix = addLeadingSlash(config.getGlobalPrefix());
  const versioningOptions = config.getVersioning();
  const scanner = new MetadataScanner();
  const routes: GuardedRoute[] = [];
  for (const module of modules.values()) {
    const modulePath: string | undefined = Reflect.getMetadata(MODULE_PATH + modules.applicationId, module.metatype) ?? Reflect.getMetadata(MODULE_PATH, module.metatype);
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const controller = metatype as Type;
      const controllerVersion = versioningOptions ? (Reflect.getMetadata(VERSION_METADATA, controller) ?? versioningOptions.defaultVersion) : undefined;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler: RouteTarget = controller.prototype[name];
        const methodPaths: string | string[] | undefined = Reflect.getMetadata(PATH_METADATA, handler);
        if (methodPaths === undefined) continue;
        const requestMethod: RequestMethod = Reflect.getMetadata(METHOD_METADATA, handler) ?? RequestMethod.GET;
        const guard = guardOf(handler, controller, guarding);
        const methodVersion = Reflect.getMetadata(VERSION_METADATA, handler);
        for (const ctrlPath of pathsOf(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const methodPath of pathsOf(methodPaths)) {
            const metadata = { ctrlPath, methodPath, globalPrefix, modulePath, controllerVersion, methodVersion, versioningOptions };
            for (const path of paths.create(metadata, requestMethod)) routes.push({ method: RequestMethod[requestMethod], path, guard });
          }
        }
      }
    }
  }
  return routes;
}

/**
 * For the application's own test suite: throws unless every route of the application is guarded
 * (see {@link mfaRoutes}) or named in `except`, so that a route added without `MfaGuard` and
 * `@RequireMFA()` fails the tests instead of shipping open.
 *
 * @param app - The application, created and configured (global prefix, global guards).
 * @param options - `except`: the routes open on purpose, as `'POST /auth/login'` (that method and
 *   path), `'/health'` (that path, any method), or a RegExp tested against `'METHOD /path'`.
 * @throws MfaError `unguarded_route`, naming each route that nothing guards; `invalid_option` as
 *   {@link mfaRoutes}.
 *
 * @example
 * test('every route is guarded, or open on purpose', async () => {
 *   const app = await NestFactory.create(AppModule, { logger: false });
 *   assertEveryRouteGuarded(app, { except: ['POST /auth/login', '/health'] });
 *   await app.close();
 * });
 */
export function assertEveryRouteGuarded(app: INestApplication, options: { except?: readonly RouteException[] } = {}): void {
  assertGuarded(mfaRoutes(app), options.except);
}

/** What `MfaGuard.canActivate` would do on the route, where it runs at all. */
function guardOf(handler: RouteTarget, controller: Type, { reflector, global, requireByDefault }: Guarding): RouteGuard {
  if (controller === MfaController || controller.prototype instanceof MfaController) return { by: 'mfakit' };
  if (controller === MfaAdminController || controller.prototype instanceof MfaAdminController) return { by: 'mfakit' };
  const { marked, bound } = routeMarks(reflector, [handler, controller]);
  if (marked === false) return { by: 'skip' };
  if (!bound && !global) return { by: 'none' };
  if (marked) return { by: 'requireMfa', requirement: marked };
  return bound || requireByDefault ? { by: 'requireMfa', requirement: {} } : { by: 'none' };
}

/** Whether an `MfaGuard` is among the global guards: instances (`useGlobalGuards`, `APP_GUARD`), or request-scoped `APP_GUARD` providers. */
function hasGlobalMfaGuard(config: ApplicationConfig): boolean {
  return config.getGlobalGuards().some(isMfaGuard) || config.getGlobalRequestGuards().some((wrapper) => isMfaGuard(wrapper.metatype));
}

/** The `requireByDefault` of the application's `MfaModule`; false without one. */
function requireByDefaultOf(app: INestApplication): boolean {
  try {
    return app.get<MfaModuleSettings>(MFA_MODULE_OPTIONS, { strict: false }).requireByDefault;
  } catch {
    return false; // no MfaModule: no MfaGuard can be built either
  }
}

/** The application's configuration (its global prefix, versioning and global guards), which Nest keeps in a private field. */
function configOf(app: INestApplication): ApplicationConfig {
  const config = (app as unknown as { config?: unknown }).config;
  if (!(config instanceof ApplicationConfig)) {
    throw new MfaError('invalid_option', 'mfaRoutes needs a Nest HTTP application (NestFactory.create or createNestApplication) whose configuration it can read');
  }
  return config;
}

/** A path or paths of `@Controller()` or `@Get()`..., with a leading slash, as Nest reads them. */
function pathsOf(path: string | string[] | undefined): string[] {
  return [path ?? '/'].flat().map(addLeadingSlash);
}

/** `'api'` → `'/api'`; `''` stays `''`; a path that starts with `/` or `{/` is left as it is. */
function addLeadingSlash(path: string): string {
  return path === '' || path.startsWith('/') || path.startsWith('{/') ? path : `/${path}`;
}
