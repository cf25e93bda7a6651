/**
 * Threat: MFA wired to a different user than the primary authentication proved, or run before it.
 * With the real @nestjs/passport AuthGuard('jwt') (passport-jwt) in front, the default getUser
 * reads the JWT's `sub`; a session of one subject never passes for another; a request without a
 * valid JWT never reaches MFA at all; and MfaGuard after AuthGuard('jwt') enforces @RequireMFA.
 */
import { createMfa } from '@mfakit/core';
import { FakeClock, totpCode } from '@mfakit/testing';
import { Controller, Get, Injectable, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import { MfaGuard, MfaModule, MfaState, RequireMFA } from '../src';
import { expectChallenge, expectProblem, startApp, TEST_KEYS } from './helpers';

const JWT_SECRET = 'test-only-secret-of-at-least-32-bytes!!';

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: JWT_SECRET, algorithms: ['HS256'] });
  }

  validate(payload: { sub: string }) {
    return payload; // req.user is the JWT payload: { sub, iat, ... }
  }
}

@UseGuards(AuthGuard('jwt'), MfaGuard)
@Controller('api')
class ApiController {
  @RequireMFA({ maxAge: '5m' })
  @Get('transfers')
  transfers(@MfaState() mfa: MfaState) {
    return { ok: true, user: mfa.userId };
  }
}

const bearer = (sub: string) => `Bearer ${jwt.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

async function passportApp() {
  const clock = new FakeClock();
  const mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_KEYS, clock, logger: { warn: () => {}, error: () => {} } });
  const app = await startApp({
    imports: [MfaModule.forRoot(mfa, { guards: [AuthGuard('jwt')] })],
    controllers: [ApiController],
    providers: [JwtStrategy],
  });
  return { server: app.getHttpServer(), clock };
}

test("AuthGuard('jwt') then MFA: enroll as the JWT's subject, pass with the session, step-up on stale", async () => {
  const { server, clock } = await passportApp();
  const alice = bearer('alice');
  const started = await request(server).post('/mfa/totp').set('Authorization', alice).expect(201);
  expect(started.body.otpauthUrl).toContain('Acme:alice');
  const confirmed = await request(server)
    .post(`/mfa/totp/${started.body.factorId}/confirm`)
    .set('Authorization', alice)
    .send({ code: totpCode(started.body.secret, clock) })
    .expect(200);
  const { sessionToken } = confirmed.body.session;

  const res = await request(server).get('/api/transfers').set('Authorization', alice).set('X-Session-Token', sessionToken).expect(200);
  expect(res.body).toEqual({ ok: true, user: 'alice' });

  expectProblem(await request(server).get('/api/transfers').set('Authorization', bearer('bob')).set('X-Session-Token', sessionToken), 403, 'mfa_enrollment_required');
  const none = await request(server).get('/api/transfers').set('Authorization', alice);
  expectProblem(none, 401, 'mfa_required');
  expectChallenge(none);

  clock.advanceSeconds(301);
  const stale = await request(server).get('/api/transfers').set('Authorization', alice).set('X-Session-Token', sessionToken);
  expectProblem(stale, 401, 'mfa_stale');
  expectChallenge(stale, 'max_age=300');
});

test('without a valid JWT, passport answers 401 before MFA runs', async () => {
  const { server } = await passportApp();
  for (const auth of [undefined, 'Bearer not-a-jwt', `Bearer ${jwt.sign({ sub: 'alice' }, 'another-secret-of-at-least-32-bytes!!')}`]) {
    const req = request(server).get('/api/transfers');
    const res = await (auth ? req.set('Authorization', auth) : req);
    expect(res.status).toBe(401);
    expect(res.body.code).toBeUndefined();
    const enroll = request(server).post('/mfa/totp');
    expect((await (auth ? enroll.set('Authorization', auth) : enroll)).status).toBe(401);
  }
});
