/**
 * Threat: a route that someone forgot to guard, the usual way MFA is bypassed; on Nest above all a
 * route marked `@RequireMFA()` where no `MfaGuard` runs, which looks guarded and is not.
 * `mfaRoutes` must list every route of the application's controllers with what really guards it
 * (as MfaGuard would decide, bound per route, per controller or globally), and
 * `assertEveryRouteGuarded` must fail a test suite on each open route that `except` does not name.
 */
import { createMfa, type Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, CONTRACT_ROUTES, describeGuard, type GuardedRoute } from '@mfakit/core/http';
import { FakeClock } from '@mfakit/testing';
import { All, Controller, Get, type INestApplication, Module, type ModuleMetadata, Post, Scope, UseGuards, VersioningType } from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import request from 'supertest';
import { assertEveryRouteGuarded, MfaGuard, MfaModule, type MfaModuleOptions, mfaRoutes, RequireMFA, SkipMfa } from '../src';
import { startApp, TestAuthGuard, testMfaOptions } from './helpers';

@UseGuards(TestAuthGuard, MfaGuard)
@Controller('account')
class AccountController {
  @Get()
  show() {
    return { ok: true };
  }

  @RequireMFA({ maxAge: 300 })
  @Post('transfers')
  transfer() {
    return { ok: true };
  }

  @RequireMFA({ once: { bindBody: true } })
  @Post('payees')
  addPayee() {
    return { ok: true };
  }

  @SkipMfa()
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

@Controller()
class OpenController {
  @Post('auth/login')
  login() {
    return { ok: true };
  }

  @Get('health')
  health() {
    return { ok: true };
  }

  /** The bug to catch: the mark, and no MfaGuard to enforce it. */
  @RequireMFA()
  @Get('forgotten')
  forgotten() {
    return { ok: true };
  }

  @UseGuards(TestAuthGuard, MfaGuard)
  @Get('one-guarded')
  oneGuarded() {
    return { ok: true };
  }

  @All('echo')
  echo() {
    return { ok: true };
  }
}

const mfa: Mfa = createMfa(testMfaOptions(new FakeClock(), { warn: [], error: [] }, []));

/** An app with the given controllers and MfaModule (its enrollment and admin controllers included), under the global prefix `api` but for `/health`. */
function build(metadata: ModuleMetadata, module: MfaModuleOptions = {}, configure?: (app: INestApplication) => void): Promise<INestApplication> {
  const imports = [MfaModule.forRoot(mfa, { guards: [TestAuthGuard], admin: { authorize: () => true }, ...module }), ...(metadata.imports ?? [])];
  return startApp({ ...metadata, imports }, (app) => {
    app.setGlobalPrefix('api', { exclude: ['health'] });
    configure?.(app);
  });
}

const line = (route: GuardedRoute) => `${route.method} ${route.path}  ${describeGuard(route.guard)}`;
const ownRoutes = (app: INestApplication) => mfaRoutes(app).filter((route) => !route.path.startsWith('/api/mfa'));

test('mfaRoutes lists each route with what guards it, under the global prefix', async () => {
  const app = await build({ controllers: [AccountController, OpenController] });
  expect(ownRoutes(app).map(line)).toEqual([
    'GET /api/account  requireMfa',
    'POST /api/account/transfers  requireMfa maxAge=300s',
    'POST /api/account/payees  requireMfa once bindBody maxAge=300s',
    'GET /api/account/ping  skip',
    'POST /api/auth/login  NONE',
    'GET /health  NONE',
    'GET /api/forgotten  NONE',
    'GET /api/one-guarded  requireMfa',
    'ALL /api/echo  NONE',
  ]);
  expect(mfaRoutes(app).find((route) => route.path === '/api/account/transfers')?.guard).toEqual({ by: 'requireMfa', requirement: { maxAge: 300 } });
});

test("MfaModule's enrollment and admin controllers count as guarded, each of their routes listed", async () => {
  const app = await build({ controllers: [] });
  const routes = mfaRoutes(app);
  const contract = [...ADMIN_ROUTES.map((r) => `${r.method} /api/mfa/admin${r.path}`), ...CONTRACT_ROUTES.map((r) => `${r.method} /api/mfa${r.path === '/' ? '' : r.path}`)];
  expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(expect.arrayContaining(contract));
  expect(routes.length).toBe(contract.length + 4); // and the catch-alls of both controllers: ALL <path> and ALL <path>/{*rest}
  expect(new Set(routes.map((route) => describeGuard(route.guard)))).toEqual(new Set(['mfakit']));
});

test('a global MfaGuard guards what @RequireMFA() marks, and with requireByDefault every route but @SkipMfa()', async () => {
  const globalGuard = {
    providers: [
      { provide: APP_GUARD, useClass: TestAuthGuard },
      { provide: APP_GUARD, useClass: MfaGuard },
    ],
  };
  const marked = await build({ ...globalGuard, controllers: [OpenController] });
  expect(ownRoutes(marked).map(line)).toEqual(['POST /api/auth/login  NONE', 'GET /health  NONE', 'GET /api/forgotten  requireMfa', 'GET /api/one-guarded  requireMfa', 'ALL /api/echo  NONE']);

  const everywhere = await build({ ...globalGuard, controllers: [OpenController, AccountController] }, { requireByDefault: true });
  expect(ownRoutes(everywhere).map(line)).toEqual([
    'POST /api/auth/login  requireMfa',
    'GET /health  requireMfa',
    'GET /api/forgotten  requireMfa',
    'GET /api/one-guarded  requireMfa',
    'ALL /api/echo  requireMfa',
    'GET /api/account  requireMfa',
    'POST /api/account/transfers  requireMfa maxAge=300s',
    'POST /api/account/payees  requireMfa once bindBody maxAge=300s',
    'GET /api/account/ping  skip',
  ]);
});

test('an MfaGuard given to app.useGlobalGuards(), or a request-scoped APP_GUARD, counts as global', async () => {
  const used = await build({ controllers: [OpenController] }, {}, (nest) => nest.useGlobalGuards(nest.get(MfaGuard)));
  expect(ownRoutes(used).find((route) => route.path === '/api/forgotten')?.guard.by).toBe('requireMfa');
  const scoped = await build({ controllers: [OpenController], providers: [{ provide: APP_GUARD, useClass: MfaGuard, scope: Scope.REQUEST }] });
  expect(ownRoutes(scoped).find((route) => route.path === '/api/forgotten')?.guard.by).toBe('requireMfa');
});

test('requireByDefault without a global MfaGuard guards nothing more', async () => {
  const app = await build({ controllers: [OpenController] }, { requireByDefault: true });
  expect(
    ownRoutes(app)
      .filter((route) => route.guard.by !== 'none')
      .map(line),
  ).toEqual(['GET /api/one-guarded  requireMfa']);
});

@Controller({ path: 'reports', version: '2' })
class ReportsController {
  @UseGuards(MfaGuard)
  @Get()
  list() {
    return { ok: true };
  }
}

@Module({ controllers: [ReportsController] })
class ReportsModule {}

test('paths as Nest builds them: RouterModule paths and URI versions', async () => {
  const app = await build({ controllers: [], imports: [ReportsModule, RouterModule.register([{ path: 'admin', module: ReportsModule }])] }, {}, (nest) =>
    nest.enableVersioning({ type: VersioningType.URI }),
  );
  expect(ownRoutes(app).map(line)).toEqual(['GET /api/v2/admin/reports  requireMfa']);
  expect((await request(app.getHttpServer()).get('/api/v2/admin/reports')).status).toBe(401); // there, and guarded
});

test('the table tells the truth: a route listed as guarded refuses a request without MFA, the others answer', async () => {
  const app = await build({ controllers: [AccountController, OpenController] });
  for (const route of ownRoutes(app)) {
    const method = route.method === 'ALL' ? 'get' : (route.method.toLowerCase() as 'get' | 'post');
    const response = await request(app.getHttpServer())[method](route.path); // no user: MfaGuard answers 401
    expect({ route: line(route), refused: response.status === 401 }).toEqual({ route: line(route), refused: route.guard.by === 'requireMfa' });
  }
});

test('assertEveryRouteGuarded names each open route, and passes once except names them all', async () => {
  const app = await build({ controllers: [AccountController, OpenController] });
  let failure: unknown;
  try {
    assertEveryRouteGuarded(app);
  } catch (err) {
    failure = err;
  }
  expect(failure).toMatchObject({ name: 'MfaError', code: 'unguarded_route' });
  const message = (failure as Error).message;
  for (const route of ['POST /api/auth/login', 'GET /health', 'GET /api/forgotten', 'ALL /api/echo']) expect(message).toContain(`\n  ${route}`);
  expect(message).not.toMatch(/account|one-guarded|\/mfa/);

  // A method and path, a path of any method, a RegExp on 'METHOD /path'.
  const except = ['POST /api/auth/login', '/health', /^ALL \/api\/echo$/];
  expect(() => assertEveryRouteGuarded(app, { except })).toThrow(/This route has no MFA guard[\s\S]*\n {2}GET \/api\/forgotten$/);
  expect(() => assertEveryRouteGuarded(app, { except: [...except, 'GET /api/forgotten'] })).not.toThrow();
});

test('mfaRoutes refuses what is not a Nest HTTP application', () => {
  expect(() => mfaRoutes({ get: () => new Map() } as unknown as INestApplication)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
});
