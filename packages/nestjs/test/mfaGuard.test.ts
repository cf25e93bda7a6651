/**
 * Threat: a route meant to need MFA guarded with the wrong requirement because a class setting
 * beat its handler's, or a denial that an application's own exception filter reshapes into
 * something without the challenge or Retry-After a client acts on. A handler's @RequireMFA()
 * overrides its controller's; MfaGuard's denials keep their status, challenge and Retry-After
 * through a global catch-all filter. (What MfaGuard answers is the adapter contract, run in
 * contract.test.ts.)
 */
import { wrongCode } from '@mfakit/testing';
import { type ArgumentsHost, Catch, Controller, type ExceptionFilter, Get, HttpException, UseGuards } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import request from 'supertest';
import { MfaGuard, MfaState, RequireMFA } from '../src';
import { enrollTotp, expectChallenge, expectProblem, makeHarness, ProtectedController, TestAuthGuard } from './helpers';

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
    expectChallenge(keys, 'acr_values="phrh"');
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
