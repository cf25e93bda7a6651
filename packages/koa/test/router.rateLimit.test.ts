/**
 * Threat: one address spraying codes across many accounts, which the per-account lockout alone
 * does not slow down. The routes that check codes sit behind a per-IP rate limit that answers
 * 429 rate_limited (problem+json, Retry-After) with the same IETF draft-8 headers as the Express
 * adapter; the other routes are not limited by it, and `rateLimit: false` turns it off for
 * deployments whose gateway limits instead.
 */
import { CONTRACT_ROUTES } from '@mfakit/core';
import request from 'supertest';
import { mfaRouter } from '../src';
import { clientKey } from '@mfakit/core';
import { expectProblem, makeHarness } from './helpers';

describe('per-IP rate limit on verification routes', () => {
  test('past the configured limit: 429 rate_limited, across accounts and verification routes', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 3 } } });
    // Each request is a guess for a different account: the account lockout never triggers.
    for (const [i, user] of ['u1', 'u2', 'u3'].entries()) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', user).send({ code: '123456' });
      expectProblem(res, 403, 'mfa_enrollment_required');
      expect(res.headers.ratelimit).toBe(`"3-in-1min"; r=${2 - i}; t=60`);
      expect(res.headers['ratelimit-policy']).toMatch(/^"3-in-1min"; q=3; w=60; pk=:[A-Za-z0-9+/]+=*:$/);
    }
    const limited = await request(h.app).post('/mfa/verify').set('X-Test-User', 'u4').send({ code: '123456' });
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers.ratelimit).toBe('"3-in-1min"; r=0; t=60');
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
      expectProblem(
        await request(h.app)
          .post(`/mfa${route.path.replace(':factorId', 'fac_x')}`)
          .set('X-Test-User', 'u5')
          .send({ code: '123456' }),
        429,
        'rate_limited',
      );
    }
  });

  test('routes that check no code are not limited and carry no RateLimit header', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 1 } } });
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'u1').send({ code: '123456' }).expect(403);
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'u1').send({ code: '123456' }), 429, 'rate_limited');
    const status = await request(h.app).get('/mfa').set('X-Test-User', 'u1').expect(200);
    expect(status.headers.ratelimit).toBeUndefined();
    await request(h.app).post('/mfa/totp').set('X-Test-User', 'u1').expect(201);
    await request(h.app).post('/mfa/webauthn/registration').set('X-Test-User', 'u1').send({ response: {} }).expect(404);
    await request(h.app).delete('/mfa/session').set('X-Test-User', 'u1').expect(204);
  });

  test('the default limit is 30 a minute; the window ends on the core clock', async () => {
    const h = makeHarness();
    for (let i = 0; i < 30; i += 1) {
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', `user${i}`).send({}), 400, 'invalid_request');
    }
    h.clock.advanceSeconds(59);
    const limited = await request(h.app).post('/mfa/verify').set('X-Test-User', 'user30').send({});
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('1');
    h.clock.advanceSeconds(1);
    const next = await request(h.app).post('/mfa/verify').set('X-Test-User', 'user31').send({});
    expectProblem(next, 400, 'invalid_request');
    expect(next.headers.ratelimit).toBe('"30-in-1min"; r=29; t=60');
  });

  test('addresses are counted apart; IPv6 addresses of one /56 together', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 1 } } });
    h.koa.proxy = true; // lets the test choose the client address through X-Forwarded-For
    const from = (ip: string) => request(h.app).post('/mfa/verify').set('X-Forwarded-For', ip).set('X-Test-User', 'u').send({});
    for (const ip of ['203.0.113.7', '203.0.113.8', '2001:db8:1234:5601::1']) expectProblem(await from(ip), 400, 'invalid_request');
    for (const ip of ['203.0.113.7', '::ffff:203.0.113.8', '2001:db8:1234:56ff::2']) expectProblem(await from(ip), 429, 'rate_limited');
    expectProblem(await from('2001:db8:1234:5700::1'), 400, 'invalid_request');
  });

  test('rateLimit: false turns it off', async () => {
    const h = makeHarness({ router: { rateLimit: false } });
    for (let i = 0; i < 40; i += 1) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', `user${i}`).send({});
      expectProblem(res, 400, 'invalid_request');
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });

  test('a limit or window that is not a positive integer throws invalid_option at construction', () => {
    const h = makeHarness();
    for (const rateLimit of [{ windowMs: 0, limit: 5 }, { windowMs: 60_000, limit: 0 }, { windowMs: 60_000, limit: 2.5 }, { limit: 5 }, true]) {
      expect(() => mfaRouter(h.mfa, { rateLimit } as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
  });
});

describe('clientKey', () => {
  test('keys addresses as express-rate-limit does: IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /56', () => {
    const keys = {
      '203.0.113.7': '203.0.113.7',
      '::ffff:203.0.113.7': '203.0.113.7',
      '::203.0.113.7': '203.0.113.7',
      '2001:db8:1234:5678::1': '2001:db8:1234:5600::/56',
      '2001:db8:12ff:ffff:ffff::': '2001:db8:12ff:ff00::/56',
      '::1': '::/56',
      'fe80::1%eth0': 'fe80::/56',
      '2001:db8:1:2:3:4:5:6': '2001:db8:1::/56',
      '2001:0:1:0:5:6:7:8': '2001:0:1::/56',
    };
    expect(Object.fromEntries(Object.keys(keys).map((ip) => [ip, clientKey(ip)]))).toEqual(keys);
  });
});
