/**
 * Threat: one address spraying codes across many accounts, which the per-account lockout alone
 * does not slow down; and the opposite harm, a limit that counts every request, so that people
 * behind one address lock each other out by signing in. The routes that check codes sit behind a
 * per-address limit of FAILED requests (4xx answers; a success or a server failure is given back)
 * that answers 429 rate_limited (problem+json, Retry-After) with the IETF draft-8 RateLimit
 * headers; addresses are counted apart (IPv6 by its /56); the other routes are not limited by it,
 * and `rateLimit: false` turns it off for deployments whose gateway limits instead. (Whose clock
 * the window runs on differs: express-rate-limit's wall clock, the core's clock elsewhere; each
 * adapter's own tests say which.)
 */
import { CONTRACT_ROUTES } from '@mfakit/core/http';
import request from 'supertest';
import { STATE_METHODS } from '../flakyStateStore';
import { wrongCode } from '../otp';
import { enrollTotp, expectProblem, type Harness, nextTotp, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

const verify = (h: Harness, user: string, body: object) => request(h.app).post('/mfa/verify').set('X-Test-User', user).send(body);

export function describeRateLimit(makeApp: AdapterAppFactory): void {
  describe('per-address limit of failures on verification routes', () => {
    const start = useApps(makeApp);

    test('past the configured limit: 429 rate_limited, across accounts and on every verification route', async () => {
      const h = await start({ app: { rateLimit: { windowMs: 60_000, limit: 3 } } });
      // Each request is a guess for a different account: the account lockout never triggers.
      for (const [i, user] of ['u1', 'u2', 'u3'].entries()) {
        const res = await verify(h, user, { code: '123456' });
        expectProblem(res, 403, 'mfa_enrollment_required');
        expect(res.headers.ratelimit).toMatch(new RegExp(`^"3-in-1min"; r=${2 - i}; t=\\d+$`));
        expect(res.headers['ratelimit-policy']).toMatch(/^"3-in-1min"; q=3; w=60; pk=:[A-Za-z0-9+/]+=*:$/);
      }
      const limited = await verify(h, 'u4', { code: '123456' });
      expectProblem(limited, 429, 'rate_limited');
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      expect(limited.headers.ratelimit).toMatch(/^"3-in-1min"; r=0; t=\d+$/);
      const limitedRoutes = CONTRACT_ROUTES.filter((route) => route.verification);
      expect(limitedRoutes.map((route) => route.name)).toEqual([
        'confirmTotp',
        'confirmHotp',
        'verify',
        'enrollEmail',
        'confirmEmail',
        'enrollSms',
        'confirmSms',
        'challenge',
        'webauthnRegistrationOptions',
        'webauthnAuthenticationOptions',
        'webauthnAuthentication',
      ]);
      for (const route of limitedRoutes) {
        const res = await request(h.app)
          .post(`/mfa${route.path.replace(':factorId', 'fac_x')}`)
          .set('X-Test-User', 'u5')
          .send({ code: '123456' });
        expectProblem(res, 429, 'rate_limited');
      }
    });

    test('successes and failures of the server do not count; only failures fill the window', async () => {
      const h = await start({ app: { rateLimit: { windowMs: 15 * 60_000, limit: 2 } } });
      const { secret } = await enrollTotp(h, 'alice'); // the confirmation: a success, given back
      for (let i = 0; i < 4; i += 1) {
        const res = await verify(h, 'alice', { code: nextTotp(h, secret) }).expect(200);
        // Counted on arrival (so that concurrent failures cannot outrun the check), given back on success.
        expect(res.headers.ratelimit).toMatch(/^"2-in-15min"; r=1; t=\d+$/);
      }
      h.state.failing = new Set(STATE_METHODS); // the state store is down: 503, the server's failure
      expectProblem(await verify(h, 'alice', { code: nextTotp(h, secret) }), 503, 'mfa_unavailable');
      h.state.failing.clear();
      expectProblem(await verify(h, 'alice', { code: wrongCode(secret, h.clock) }), 401, 'mfa_invalid_code');
      expectProblem(await verify(h, 'bob', { code: '123456' }), 403, 'mfa_enrollment_required');
      expectProblem(await verify(h, 'alice', { code: nextTotp(h, secret) }), 429, 'rate_limited');
    });

    test('routes that check no code are not limited and carry no RateLimit header', async () => {
      const h = await start({ app: { rateLimit: { windowMs: 60_000, limit: 1 } } });
      await verify(h, 'u1', { code: '123456' }).expect(403);
      expectProblem(await verify(h, 'u1', { code: '123456' }), 429, 'rate_limited');
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'u1').expect(200);
      expect(status.headers.ratelimit).toBeUndefined();
      await request(h.app).post('/mfa/totp').set('X-Test-User', 'u1').expect(201);
      await request(h.app).post('/mfa/webauthn/registration').set('X-Test-User', 'u1').send({ response: {} }).expect(404);
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'u1').expect(204);
    });

    test('the default limit is 100 failures in 15 minutes', async () => {
      const h = await start();
      for (let i = 0; i < 100; i += 1) expectProblem(await verify(h, `user${i}`, {}), 400, 'invalid_request');
      const limited = await verify(h, 'user100', {});
      expectProblem(limited, 429, 'rate_limited');
      expect(limited.headers['ratelimit-policy']).toMatch(/^"100-in-15min"; q=100; w=900; pk=:[A-Za-z0-9+/]+=*:$/);
    });

    test('addresses are counted apart; IPv4-mapped IPv6 as IPv4; IPv6 addresses of one /56 together', async () => {
      const h = await start({ app: { rateLimit: { windowMs: 60_000, limit: 1 }, trustProxy: true } });
      const from = (ip: string) => request(h.app).post('/mfa/verify').set('X-Forwarded-For', ip).set('X-Test-User', 'u').send({});
      for (const ip of ['203.0.113.7', '203.0.113.8', '2001:db8:1234:5601::1']) expectProblem(await from(ip), 400, 'invalid_request');
      for (const ip of ['203.0.113.7', '::ffff:203.0.113.8', '2001:db8:1234:56ff::2']) expectProblem(await from(ip), 429, 'rate_limited');
      expectProblem(await from('2001:db8:1234:5700::1'), 400, 'invalid_request');
    });

    test('rateLimit: false turns it off', async () => {
      const h = await start({ app: { rateLimit: false } });
      for (let i = 0; i < 40; i += 1) {
        const res = await verify(h, `user${i}`, {});
        expectProblem(res, 400, 'invalid_request');
        expect(res.headers.ratelimit).toBeUndefined();
      }
    });
  });
}
