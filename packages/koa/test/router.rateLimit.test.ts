/**
 * Threat: a per-IP rate limit whose window a test (or a skewed host) cannot reason about, or one
 * that silently drops a bad option. Koa's limiter is the adapter's own: it counts on the core's
 * clock, so its IETF draft-8 headers and Retry-After are exact and a window ends when the core's
 * clock says; a bad limit throws at construction; addresses are keyed as express-rate-limit keys
 * them. (What the limit answers is the adapter contract, run in contract.test.ts.)
 */
import { clientKey } from '@mfakit/core/http';
import request from 'supertest';
import { mfaRouter } from '../src';
import { expectProblem, makeHarness } from './helpers';

describe('the window on the core clock', () => {
  test('exact RateLimit headers and Retry-After, from the core clock', async () => {
    const h = makeHarness({ router: { rateLimit: { windowMs: 60_000, limit: 3 } } });
    const verify = (user: string) => request(h.app).post('/mfa/verify').set('X-Test-User', user).send({ code: '123456' });
    for (const [i, user] of ['u1', 'u2', 'u3'].entries()) expect((await verify(user)).headers.ratelimit).toBe(`"3-in-1min"; r=${2 - i}; t=60`);
    const limited = await verify('u4');
    expectProblem(limited, 429, 'rate_limited');
    expect({ retryAfter: limited.headers['retry-after'], ratelimit: limited.headers.ratelimit }).toEqual({ retryAfter: '60', ratelimit: '"3-in-1min"; r=0; t=60' });
  });

  test('the default limit is 100 failures in 15 minutes; the window ends on the core clock', async () => {
    const h = makeHarness();
    for (let i = 0; i < 100; i += 1) {
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', `user${i}`).send({}), 400, 'invalid_request');
    }
    h.clock.advanceSeconds(899);
    const limited = await request(h.app).post('/mfa/verify').set('X-Test-User', 'user100').send({});
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('1');
    h.clock.advanceSeconds(1);
    const next = await request(h.app).post('/mfa/verify').set('X-Test-User', 'user101').send({});
    expectProblem(next, 400, 'invalid_request');
    expect(next.headers.ratelimit).toBe('"100-in-15min"; r=99; t=900');
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
