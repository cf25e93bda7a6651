/**
 * Threat: a route meant to need MFA left open, or one meant to be open locked, because of how the
 * guard is bound: MfaGuard as a global guard (APP_GUARD) must enforce wherever @RequireMFA()
 * applies and, with requireByDefault, everywhere except @SkipMfa(); the setting closest to the
 * handler wins; a route guarded both globally and with @UseGuards is checked once, so an inline
 * code is not spent twice; and the enrollment routes never demand the session they issue.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import { MfaGuard, MfaState, RequireMFA, SkipMfa } from '../src';
import { enrollTotp, expectProblem, type HarnessOptions, makeHarness, nextTotp, TestAuthGuard } from './helpers';

@Controller('open')
class OpenController {
  @Get()
  open() {
    return { ok: true };
  }

  @RequireMFA()
  @Get('locked')
  locked(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }
}

@RequireMFA()
@Controller('account')
class AccountController {
  @Get()
  show(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }

  @SkipMfa()
  @Get('ping')
  ping(@MfaState() mfa: MfaState | undefined) {
    return { ok: true, mfa: mfa ?? null };
  }
}

@SkipMfa()
@Controller('public')
class PublicController {
  @Get()
  index() {
    return { ok: true };
  }

  @RequireMFA({ maxAge: 60 })
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

/** Guarded globally and, on top, with @UseGuards(MfaGuard). */
@UseGuards(MfaGuard)
@Controller('twice')
class TwiceController {
  @Get()
  twice(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }
}

/** Global authentication first, then the global MFA guard: APP_GUARDs run in the order given. */
const globalGuards = (module: HarnessOptions['module'] = {}): HarnessOptions => ({
  module: { guards: [], ...module },
  metadata: {
    controllers: [OpenController, AccountController, PublicController, TwiceController],
    providers: [
      { provide: APP_GUARD, useClass: TestAuthGuard },
      { provide: APP_GUARD, useClass: MfaGuard },
    ],
  },
});

describe('global MfaGuard, enforcing where @RequireMFA() applies', () => {
  test('a route without metadata is open; a @RequireMFA() handler and class are enforced', async () => {
    const h = await makeHarness(globalGuards());
    await enrollTotp(h, 'alice');
    await request(h.app).get('/open').set('X-Test-User', 'alice').expect(200);
    expectProblem(await request(h.app).get('/open/locked').set('X-Test-User', 'alice'), 401, 'mfa_required');
    expectProblem(await request(h.app).get('/account').set('X-Test-User', 'alice'), 401, 'mfa_required');
  });

  test('@SkipMfa() on a handler beats @RequireMFA() on its class', async () => {
    const h = await makeHarness(globalGuards());
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/account/ping').set('X-Test-User', 'alice').expect(200);
    expect(res.body).toEqual({ ok: true, mfa: null });
  });

  test('@RequireMFA() on a handler beats @SkipMfa() on its class', async () => {
    const h = await makeHarness(globalGuards({ requireByDefault: true }));
    const { sessionToken } = await enrollTotp(h, 'alice');
    await request(h.app).get('/public').set('X-Test-User', 'alice').expect(200);
    await request(h.app).get('/public/admin').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    h.clock.advanceSeconds(61);
    expectProblem(await request(h.app).get('/public/admin').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_stale');
  });

  test('a session passes the enforced routes and @MfaState() is set', async () => {
    const h = await makeHarness(globalGuards());
    const { sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/account').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(res.body.mfa.userId).toBe('alice');
    await request(h.app).get('/open/locked').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
  });

  test('a route guarded globally and with @UseGuards(MfaGuard) is checked once: an inline code is spent once', async () => {
    const h = await makeHarness(globalGuards());
    const { secret } = await enrollTotp(h, 'alice');
    h.events.length = 0;
    const res = await request(h.app).get('/twice').set('X-Test-User', 'alice').set('X-MFA-Token', nextTotp(h, secret)).expect(200);
    expect(res.headers['x-session-token']).toMatch(/^mfa_/);
    expect(h.events.map((e) => e.type)).toEqual(['verification.succeeded']);
  });

  test('@UseGuards(MfaGuard) without @RequireMFA() enforces on its own', async () => {
    const h = await makeHarness(globalGuards());
    await enrollTotp(h, 'alice');
    expectProblem(await request(h.app).get('/twice').set('X-Test-User', 'alice'), 401, 'mfa_required');
  });

  test('the enrollment routes stay reachable without a session', async () => {
    const h = await makeHarness(globalGuards({ requireByDefault: true }));
    await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
    const { secret } = await enrollTotp(h, 'alice');
    await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
    await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: nextTotp(h, secret) })
      .expect(200);
  });
});

describe('global MfaGuard with requireByDefault: true', () => {
  test('every route needs MFA, except @SkipMfa()', async () => {
    const h = await makeHarness(globalGuards({ requireByDefault: true }));
    const { sessionToken } = await enrollTotp(h, 'alice');
    expectProblem(await request(h.app).get('/open').set('X-Test-User', 'alice'), 401, 'mfa_required');
    expectProblem(await request(h.app).get('/open').set('X-Test-User', 'alice').set('X-Session-Token', 'mfa_forged'), 401, 'mfa_required');
    await request(h.app).get('/open').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    await request(h.app).get('/account/ping').set('X-Test-User', 'alice').expect(200);
    await request(h.app).get('/public').set('X-Test-User', 'alice').expect(200);
  });

  test('an anonymous request to a default-protected route: 401 authentication_required', async () => {
    const h = await makeHarness(globalGuards({ requireByDefault: true }));
    const res = await request(h.app).get('/open');
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});
