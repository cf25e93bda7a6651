/**
 * Threat: one address spraying codes across many accounts, which the per-account lockout alone
 * does not slow down. The routes that check codes sit behind a per-IP rate limit that answers
 * 429 rate_limited (problem+json); the other routes are not limited by it, and `rateLimit: false`
 * turns it off for deployments whose gateway limits instead.
 */
import request from 'supertest';
import { expectProblem, makeHarness } from './helpers';

describe('per-IP rate limit on verification routes', () => {
  test('past the configured limit: 429 rate_limited, across accounts and verification routes', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 3 } } });
    // Each request is a guess for a different account: the account lockout never triggers.
    for (const user of ['u1', 'u2', 'u3']) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', user).send({ code: '123456' });
      expectProblem(res, 403, 'mfa_enrollment_required');
      expect(res.headers.ratelimit).toMatch(/; r=\d+; t=\d+$/);
    }
    const limited = await request(h.app).post('/mfa/verify').set('X-Test-User', 'u4').send({ code: '123456' });
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    const confirm = await request(h.app).post('/mfa/totp/fac_x/confirm').set('X-Test-User', 'u5').send({ code: '123456' });
    expectProblem(confirm, 429, 'rate_limited');
    const hotpConfirm = await request(h.app).post('/mfa/hotp/fac_x/confirm').set('X-Test-User', 'u5').send({ code: '123456' });
    expectProblem(hotpConfirm, 429, 'rate_limited');
  });

  test('routes that check no code are not limited', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 1 } } });
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'u1').send({ code: '123456' }).expect(403);
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'u1').send({ code: '123456' }), 429, 'rate_limited');
    await request(h.app).get('/mfa').set('X-Test-User', 'u1').expect(200);
    await request(h.app).post('/mfa/totp').set('X-Test-User', 'u1').expect(201);
    await request(h.app).delete('/mfa/session').set('X-Test-User', 'u1').expect(204);
  });

  test('the default limit is 30 a minute', async () => {
    const h = makeHarness();
    for (let i = 0; i < 30; i += 1) {
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', `user${i}`).send({}), 400, 'invalid_request');
    }
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'user30').send({}), 429, 'rate_limited');
  });

  test('rateLimit: false turns it off', async () => {
    const h = makeHarness({ router: { rateLimit: false } });
    for (let i = 0; i < 40; i += 1) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', `user${i}`).send({});
      expectProblem(res, 400, 'invalid_request');
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });
});
