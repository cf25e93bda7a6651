/**
 * Threat: a request reaches a protected handler without a valid second factor of its own user:
 * no session, a forged, expired or ended one, another user's session, a stale one for a step-up
 * route, or one proved with the wrong kind of factor; or a denial leaves in Nest's own error shape,
 * without the challenge or Retry-After a client acts on. MfaGuard must deny each with the
 * contract's exact status, headers and problem body, and pass only what it should (setting
 * req.mfa, read with @MfaState()).
 */
import { totpCode, wrongCode } from '@mfakit/testing';
import { type ArgumentsHost, Catch, Controller, type ExceptionFilter, Get, HttpException, UseGuards } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import request from 'supertest';
import { MfaGuard, MfaState, RequireMFA } from '../src';
import { enrollTotp, expectChallenge, expectProblem, makeHarness, nextTotp, ProtectedController, SENSITIVE_MAX_AGE, TestAuthGuard } from './helpers';

describe('MfaGuard: denials', () => {
  test('no primary user: 401 authentication_required with WWW-Authenticate: Bearer', async () => {
    const h = await makeHarness();
    const res = await request(h.app).get('/protected');
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test('a user without any factor: 403 mfa_enrollment_required, no challenge', async () => {
    const h = await makeHarness();
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expectProblem(res, 403, 'mfa_enrollment_required');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test('an enrolled user without a session: 401 mfa_required with the step-up challenge', async () => {
    const h = await makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expectProblem(res, 401, 'mfa_required');
    expectChallenge(res);
    expect(res.body.detail).toBe('A second factor is required.');
  });

  test('the denial is exactly the core decision: status, headers and body unchanged', async () => {
    const h = await makeHarness();
    await enrollTotp(h, 'alice');
    const decision = await h.mfa.check({ user: { id: 'alice' } }, {});
    if (decision.allow) throw new Error('expected a denial');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expect(res.status).toBe(decision.response.status);
    for (const [name, value] of Object.entries(decision.response.headers)) expect(res.headers[name.toLowerCase()]).toBe(value);
    expect(res.body).toEqual(decision.response.body);
    expect(res.body.statusCode).toBeUndefined();
    expect(res.body.message).toBeUndefined();
  });

  test('a forged or malformed session token: 401 mfa_required', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    for (const token of ['mfa_forged', sessionToken.slice(0, -1) + (sessionToken.endsWith('A') ? 'B' : 'A'), 'x'.repeat(300)]) {
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', token);
      expectProblem(res, 401, 'mfa_required');
      expectChallenge(res);
    }
  });

  test("another user's session does not pass, by header or cookie", async () => {
    const h = await makeHarness();
    const alice = await enrollTotp(h, 'alice');
    await enrollTotp(h, 'bob');
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'bob').set('X-Session-Token', alice.sessionToken), 401, 'mfa_required');
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'bob').set('Cookie', `mfa_session=${alice.sessionToken}`), 401, 'mfa_required');
  });

  test('a session unused for longer than the idle timeout (30 minutes) ends', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    h.clock.advanceSeconds(29 * 60);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    h.clock.advanceSeconds(31 * 60);
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
  });
});

describe('MfaGuard: passing', () => {
  test('a valid X-Session-Token passes; @MfaState() hands over req.mfa', async () => {
    const h = await makeHarness();
    const { sessionToken, factorId } = await enrollTotp(h, 'alice');
    const now = h.clock.now();
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(res.body).toEqual({
      ok: true,
      user: 'alice',
      mfa: { userId: 'alice', exempt: false, amr: ['otp'], authTime: now, expiresAt: now + 12 * 3600_000, factorId },
    });
  });

  test('the mfa_session cookie works like X-Session-Token', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `theme=dark; mfa_session=${sessionToken}; lang=en`).expect(200);
    expect(res.body.mfa.userId).toBe('alice');
  });

  test('an inline X-MFA-Token passes and returns a new X-Session-Token that works afterwards', async () => {
    const h = await makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
    const issued = res.headers['x-session-token'] as string;
    expect(issued).toMatch(/^mfa_[A-Za-z0-9_-]{43}$/);
    expect(res.body.mfa).toMatchObject({ userId: 'alice', amr: ['otp'], authTime: h.clock.now() });
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
  });

  test('an inline code is single-use and a wrong one is refused with 401 mfa_invalid_code', async () => {
    const h = await makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
    const replay = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code);
    expectProblem(replay, 401, 'mfa_invalid_code');
    expect(replay.headers['x-session-token']).toBeUndefined();
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrongCode(secret, h.clock)), 401, 'mfa_invalid_code');
  });

  test('an exempt user passes without a session, and @MfaState() says so', async () => {
    const h = await makeHarness({ mfa: { exempt: (user) => user.id.startsWith('svc-') } });
    const res = await request(h.app).get('/protected').set('X-Test-User', 'svc-backup').expect(200);
    expect(res.body.mfa).toEqual({ userId: 'svc-backup', exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null });
  });
});

describe('MfaGuard: lockout', () => {
  test('wrong inline codes lock the account: 429 mfa_locked with Retry-After and Cache-Control: no-store', async () => {
    const h = await makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    h.clock.advanceSeconds(30);
    const wrong = wrongCode(secret, h.clock);
    for (let i = 0; i < 2; i += 1) {
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong), 401, 'mfa_invalid_code');
    }
    const locked = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong);
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30');
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)), 429, 'mfa_locked');
    h.clock.advanceSeconds(31);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)).expect(200);
  });
});

describe('@RequireMFA({ maxAge }) and @RequireMFA({ methods })', () => {
  test('a fresh session passes step-up; an older one gets 401 mfa_stale with max_age', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    h.clock.advanceSeconds(SENSITIVE_MAX_AGE);
    const fresh = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(fresh.body.mfa.userId).toBe('alice');
    h.clock.advanceSeconds(1);
    const stale = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, `max_age=${SENSITIVE_MAX_AGE}`);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
  });

  test('a new inline proof on a stale session passes the step-up and rotates the token', async () => {
    const h = await makeHarness();
    const { sessionToken, secret } = await enrollTotp(h, 'alice');
    h.clock.advanceSeconds(SENSITIVE_MAX_AGE + 60);
    const res = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).set('X-MFA-Token', totpCode(secret, h.clock)).expect(200);
    const issued = res.headers['x-session-token'] as string;
    expect(issued).toMatch(/^mfa_/);
    expect(issued).not.toBe(sessionToken);
    await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
  });

  test('a route that needs hwk refuses an otp session: 401 mfa_method_required with acr_values', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(res, 401, 'mfa_method_required');
    expectChallenge(res, 'acr_values="hwk"');
  });
});

describe("a handler's @RequireMFA overrides its controller's", () => {
  @RequireMFA({ methods: ['hwk'] })
  @UseGuards(TestAuthGuard, MfaGuard)
  @Controller('vault')
  class VaultController {
    @Get('keys')
    keys(@MfaState() mfa: MfaState) {
      return { mfa };
    }

    @RequireMFA({ maxAge: 60 })
    @Get('peek')
    peek(@MfaState() mfa: MfaState) {
      return { mfa };
    }
  }

  test('the class asks for hwk, the handler only for a proof of the last minute', async () => {
    const h = await makeHarness({ metadata: { controllers: [VaultController, ProtectedController] } });
    const { sessionToken } = await enrollTotp(h, 'alice');
    const keys = await request(h.app).get('/vault/keys').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(keys, 401, 'mfa_method_required');
    expectChallenge(keys, 'acr_values="hwk"');
    await request(h.app).get('/vault/peek').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    h.clock.advanceSeconds(61);
    const stale = await request(h.app).get('/vault/peek').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, 'max_age=60');
  });
});

describe("the application's own exception filters", () => {
  @Catch()
  class LoggingFilter extends BaseExceptionFilter {
    override catch(exception: unknown, host: ArgumentsHost) {
      super.catch(exception, host); // the pattern of Nest's docs: log, then the default answer
    }
  }

  @Catch()
  class HouseStyleFilter implements ExceptionFilter {
    catch(exception: unknown, host: ArgumentsHost) {
      const status = exception instanceof HttpException ? exception.getStatus() : 500;
      host.switchToHttp().getResponse().status(status).json({ error: { status } });
    }
  }

  test('a global catch-all that defers to BaseExceptionFilter still yields the exact contract answer', async () => {
    const h = await makeHarness({ configure: (app) => app.useGlobalFilters(new LoggingFilter(app.getHttpAdapter())) });
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expectProblem(res, 401, 'mfa_required');
    expectChallenge(res);
  });

  test('a global catch-all with a body of its own keeps the status, the challenge and Retry-After', async () => {
    const h = await makeHarness({ configure: (app) => app.useGlobalFilters(new HouseStyleFilter()) });
    const { secret } = await enrollTotp(h, 'alice');
    const denied = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expect(denied.status).toBe(401);
    expectChallenge(denied);
    const wrong = wrongCode(secret, h.clock);
    let locked: request.Response | undefined;
    for (let i = 0; i < 3; i += 1) locked = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong);
    expect(locked!.status).toBe(429);
    expect(locked!.headers['retry-after']).toBe('30');
    expect(locked!.headers['cache-control']).toBe('no-store');
  });
});
