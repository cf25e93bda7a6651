/**
 * Threat: the Nest admin controller letting a non-administrator, or an administrator without a
 * recent MFA proof, strip a user's factors or exempt them from MFA; or mishandling a body or a
 * user id into a 500 or an action on the wrong user; or admin routes existing where the
 * application never asked for them. Runs the shared admin suite, and checks what is Nest's own:
 * the `admin` module option (forRoot and forRootAsync), its absence, and `always` reaching the core.
 */
import 'reflect-metadata';
import { createMfa, type Mfa, type MfaUser } from '@mfakit/core';
import { ADMIN_ROUTES } from '@mfakit/core/http';
import { describeAdminRoutes, FakeClock } from '@mfakit/testing';
import { type CanActivate, Controller, type ExecutionContext, Get, Injectable, type INestApplication, UseGuards } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import request from 'supertest';
import { createMfaAdminController, type MfaHttpRequest, MfaAdminController, MfaGuard, MfaModule, type MfaModuleOptions, RequireMFA } from '../src';
import { enrollTotp, expectHandlers, expectProblem, makeHarness, startApp, testMfaOptions } from './helpers';

type WithUser = { headers: Record<string, string | string[] | undefined>; user?: MfaUser };

/** The stand-in primary authentication: `X-Test-User` is the user, `X-Test-Roles` their roles. */
@Injectable()
class RolesAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WithUser>();
    const id = req.headers['x-test-user'];
    const roles = req.headers['x-test-roles'];
    if (typeof id === 'string' && id) req.user = { id, ...(typeof roles === 'string' ? { roles: roles.split(',') } : {}) };
    return true;
  }
}

/** The whole user, roles included, as an application that authorizes by role hands it over. */
const getUser = (req: MfaHttpRequest) => (req.user as MfaUser | undefined) ?? null;

@UseGuards(RolesAuthGuard, MfaGuard)
@Controller()
class ProtectedController {
  @Get('protected')
  protected() {
    return { ok: true };
  }

  @RequireMFA({ always: true })
  @Get('always')
  always() {
    return { ok: true };
  }
}

/** A started Nest app around `mfa` with these module options; closed by the caller. */
async function nestApp(mfa: Mfa, options: MfaModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [MfaModule.forRoot(mfa, { guards: [RolesAuthGuard], getUser, ...options })],
    controllers: [ProtectedController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describeAdminRoutes('nestjs', async (mfa, admin) => {
  const app = await nestApp(mfa, { admin });
  return { handler: app.getHttpServer() as Server, close: () => app.close() };
});

describe('the admin controller on Nest', () => {
  test('every route of ADMIN_ROUTES is a handler with its method and path', () => {
    expectHandlers(MfaAdminController, ADMIN_ROUTES);
    expect(Reflect.getMetadata(PATH_METADATA, createMfaAdminController('/auth/mfa/admin/'))).toBe('auth/mfa/admin');
    for (const path of ['', '/']) expect(() => createMfaAdminController(path)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test('without the admin option there are no admin routes: 404 not_found', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'root');
    expectProblem(await request(h.app).get('/mfa/admin/report').set('X-Test-User', 'root').set('X-Session-Token', sessionToken), 404, 'not_found');
    expectProblem(await request(h.app).delete('/mfa/admin/users/bob/factors').set('X-Test-User', 'root').set('X-Session-Token', sessionToken), 404, 'not_found');
  });

  test('at <path>/admin when the module has another path; the enrollment controller stays at <path>', async () => {
    const h = await makeHarness({ module: { path: 'account/mfa', getUser, guards: [RolesAuthGuard], admin: { authorize: (user) => user.roles?.includes('admin') ?? false } } });
    const { sessionToken } = await enrollTotp(h, 'root', '/account/mfa');
    const report = await request(h.app).get('/account/mfa/admin/report').set('X-Test-User', 'root').set('X-Test-Roles', 'admin').set('X-Session-Token', sessionToken);
    expect(report.status).toBe(200);
    expect(report.body.totals).toMatchObject({ users: 1, enrolled: 1 });
    expectProblem(await request(h.app).get('/account/mfa/admin/report').set('X-Test-User', 'root').set('X-Session-Token', sessionToken), 403, 'forbidden');
    expect((await request(h.app).get('/account/mfa').set('X-Test-User', 'root')).status).toBe(200);
    expect((await request(h.app).get('/mfa/admin/report')).status).toBe(404);
  });

  test('a global MfaGuard with requireByDefault leaves the admin routes to the core (the controller is @SkipMfa)', async () => {
    const h = await makeHarness({
      module: { guards: [], getUser, requireByDefault: true, admin: { authorize: (user) => user.roles?.includes('admin') ?? false } },
      metadata: {
        providers: [
          { provide: APP_GUARD, useClass: RolesAuthGuard },
          { provide: APP_GUARD, useClass: MfaGuard },
        ],
      },
    });
    // MfaGuard would answer mfa_enrollment_required; the core answers first that bob is no administrator.
    expectProblem(await request(h.app).get('/mfa/admin/report').set('X-Test-User', 'bob'), 403, 'forbidden');
    const { sessionToken } = await enrollTotp(h, 'root');
    expect((await request(h.app).get('/mfa/admin/report').set('X-Test-User', 'root').set('X-Test-Roles', 'admin').set('X-Session-Token', sessionToken)).status).toBe(200);
  });

  test('forRootAsync takes the admin option too', async () => {
    const clock = new FakeClock();
    const mfa = createMfa(testMfaOptions(clock, { warn: [], error: [] }, []));
    const app = await startApp({
      imports: [MfaModule.forRootAsync({ useFactory: async () => mfa, guards: [RolesAuthGuard], getUser, admin: { authorize: (user) => user.roles?.includes('admin') ?? false } })],
    });
    const server = app.getHttpServer() as Server;
    expectProblem(await request(server).get('/mfa/admin/report').set('X-Test-User', 'bob'), 403, 'forbidden');
    expectProblem(await request(server).get('/mfa/admin/report').set('X-Test-User', 'root').set('X-Test-Roles', 'admin'), 403, 'mfa_enrollment_required');
  });

  test('a bad admin option fails at start-up: at forRoot(), or when forRootAsync builds the core', async () => {
    const mfa = createMfa(testMfaOptions(new FakeClock(), { warn: [], error: [] }, []));
    const invalid = expect.objectContaining({ name: 'MfaError', code: 'invalid_option' });
    for (const admin of [null, 'yes', {}, { authorize: () => true, maxAge: 'soon' }] as unknown as MfaModuleOptions['admin'][]) {
      expect(() => MfaModule.forRoot(mfa, { admin })).toThrow(invalid);
    }
    await expect(startApp({ imports: [MfaModule.forRootAsync({ useFactory: () => mfa, admin: {} as MfaModuleOptions['admin'] })] })).rejects.toThrow(invalid);
  });

  test('@RequireMFA({ always: true }) demands MFA of a user whom the policy does not require', async () => {
    const mfa = createMfa(testMfaOptions(new FakeClock(), { warn: [], error: [] }, [], { policy: { required: { roles: ['admin'] } } }));
    const app = await nestApp(mfa, {});
    const server = app.getHttpServer() as Server;
    try {
      expect((await request(server).get('/protected').set('X-Test-User', 'carol')).status).toBe(200);
      expectProblem(await request(server).get('/always').set('X-Test-User', 'carol'), 403, 'mfa_enrollment_required');
    } finally {
      await app.close();
    }
    expect(() => RequireMFA({ always: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});
