/**
 * Threat: misconfiguration that goes unnoticed until a request comes (a bad maxAge, an unknown
 * method, a module option of the wrong type), or two cores in one application so that a session
 * issued by one is unknown to the other. Options fail at start-up with MfaError invalid_option;
 * forRoot and forRootAsync provide one core under MFA and Mfa alike; getUser and path are honoured.
 */
import { createMfa, Mfa, MfaError } from '@mfakit/core';
import { BAD_REQUIREMENTS, FakeClock } from '@mfakit/testing';
import { Controller, Get, Inject, Injectable, Module, UseGuards } from '@nestjs/common';
import request from 'supertest';
import { MFA, MfaGuard, MfaModule, RequireMFA } from '../src';
import { enrollTotp, expectProblem, type Harness, type Logs, makeHarness, ProtectedController, startApp, TEST_KEYS, TestAuthGuard, testMfaOptions } from './helpers';

@Injectable()
class MfaConfig {
  readonly issuer = 'Configured';
  readonly clock = new FakeClock();
}

@Module({ providers: [MfaConfig], exports: [MfaConfig] })
class ConfigModule {}

@Injectable()
class UsesBothTokens {
  constructor(
    @Inject(MFA) readonly byToken: Mfa,
    readonly byClass: Mfa,
  ) {}
}

describe('MfaModule.forRoot', () => {
  test('from options: one core, injected under MFA and as the class Mfa', async () => {
    const app = await startApp({ imports: [MfaModule.forRoot({ issuer: 'Acme', encryptionKeys: TEST_KEYS })], providers: [UsesBothTokens] });
    const both = app.get(UsesBothTokens);
    expect(both.byToken).toBeInstanceOf(Mfa);
    expect(both.byClass).toBe(both.byToken);
    const started = await both.byToken.startEnrollment({ user: { id: 'alice' } }, 'totp');
    expect(started.ok && started.value.otpauthUrl).toContain('issuer=Acme');
  });

  test('from a core made already: that very instance', async () => {
    const mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_KEYS });
    const app = await startApp({ imports: [MfaModule.forRoot(mfa)] });
    expect(app.get(MFA)).toBe(mfa);
    expect(app.get(Mfa)).toBe(mfa);
  });

  test('global by default: a module that does not import MfaModule can use MfaGuard', async () => {
    @UseGuards(TestAuthGuard, MfaGuard)
    @Controller('feature')
    class FeatureController {
      @Get()
      get() {
        return { ok: true };
      }
    }
    @Module({ controllers: [FeatureController] })
    class FeatureModule {}
    const h = await makeHarness({ metadata: { imports: [FeatureModule] } });
    expectProblem(await request(h.app).get('/feature').set('X-Test-User', 'alice'), 403, 'mfa_enrollment_required');
  });

  test('a bad core option throws MfaError invalid_option at start-up', () => {
    expect(() => MfaModule.forRoot({ issuer: '' })).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });

  test.each([
    ['an empty path', { path: '/' }],
    ['a path that is not a string', { path: 42 }],
    ['getUser not a function', { getUser: 'user.id' }],
    ['requireByDefault not a boolean', { requireByDefault: 'yes' }],
    ['a tiny bodyLimit', { bodyLimit: 10 }],
    ['guards not a list', { guards: TestAuthGuard }],
  ])('module options with %s throw invalid_option', (_name, options) => {
    const mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_KEYS });
    expect(() => MfaModule.forRoot(mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });
});

describe('MfaModule.forRootAsync', () => {
  test('the factory gets injected providers from imported modules; the controller works', async () => {
    const logs: Logs = { warn: [], error: [] };
    const app = await startApp({
      imports: [
        MfaModule.forRootAsync({
          imports: [ConfigModule],
          inject: [MfaConfig],
          useFactory: async (config: MfaConfig) => testMfaOptions(config.clock, logs, [], { issuer: config.issuer }),
          guards: [TestAuthGuard],
        }),
      ],
      controllers: [ProtectedController],
      providers: [UsesBothTokens],
    });
    const both = app.get(UsesBothTokens);
    const issued = await both.byToken.startEnrollment({ user: { id: 'carol' } }, 'totp');
    expect(issued.ok && issued.value.otpauthUrl).toContain('issuer=Configured');
    expect(both.byClass).toBe(both.byToken);
    const h: Harness = { app: app.getHttpServer(), nest: app, mfa: both.byToken, clock: app.get(MfaConfig).clock, logs, events: [] };
    const { sessionToken } = await enrollTotp(h, 'alice');
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'bob').expect(201);
    expect(started.body.otpauthUrl).toContain('issuer=Configured');
  });

  test('the factory may return a core; path and getUser options apply', async () => {
    const mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_KEYS });
    const app = await startApp({
      imports: [
        MfaModule.forRootAsync({
          useFactory: () => mfa,
          path: '/auth/mfa/',
          getUser: (req) => (typeof req.headers['x-uid'] === 'string' ? { id: req.headers['x-uid'] } : null),
        }),
      ],
    });
    expect(app.get(MFA)).toBe(mfa);
    const res = await request(app.getHttpServer()).get('/auth/mfa').set('X-UID', 'carol').expect(200);
    expect(res.body.userId).toBe('carol');
    expectProblem(await request(app.getHttpServer()).get('/auth/mfa/nope').set('X-UID', 'carol'), 404, 'not_found');
    expect((await request(app.getHttpServer()).get('/mfa').set('X-UID', 'carol')).status).toBe(404);
  });

  test('a factory that returns bad options fails the start-up', async () => {
    await expect(startApp({ imports: [MfaModule.forRootAsync({ useFactory: () => ({ issuer: '' }) })] })).rejects.toThrow(MfaError);
  });
});

describe('module options', () => {
  test('getUser defaults to req.user.id, else req.user.sub (a JWT payload)', async () => {
    @Injectable()
    class SubAuthGuard {
      canActivate(context: { switchToHttp(): { getRequest(): { headers: Record<string, unknown>; user?: unknown } } }) {
        const req = context.switchToHttp().getRequest();
        if (typeof req.headers['x-sub'] === 'string') req.user = { sub: req.headers['x-sub'] };
        return true;
      }
    }
    const h = await makeHarness({ module: { guards: [SubAuthGuard] } });
    const res = await request(h.app).get('/mfa').set('X-Sub', 'dave').expect(200);
    expect(res.body.userId).toBe('dave');
  });

  test('path: false mounts no controller', async () => {
    const h = await makeHarness({ module: { path: false } });
    const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice');
    expect(res.status).toBe(404);
    expect(res.body.code).toBeUndefined();
  });
});

describe('@RequireMFA() checks its options when the class is decorated', () => {
  test.each(BAD_REQUIREMENTS)('%s throws MfaError invalid_option', (_name, options) => {
    expect(() => RequireMFA(options as never)).toThrow(MfaError);
    expect(() => RequireMFA(options as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test('a Duration string is accepted', () => {
    expect(typeof RequireMFA({ maxAge: '5m' })).toBe('function');
  });
});
