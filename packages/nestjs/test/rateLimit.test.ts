/**
 * Threat: one address hammering the routes that check proofs, across many accounts, where the
 * per-account lockout alone does not slow it. The controller limits each address per window,
 * with the same answers as the Express and Koa adapters.
 */
import { MfaError } from '@mfakit/core';
import { MfaModule } from '@mfakit/nestjs';
import request from 'supertest';
import { expectProblem, makeHarness } from './helpers';

test('past the limit the verification routes answer 429 rate_limited with Retry-After; a new window lets the address in again', async () => {
  const h = await makeHarness({ module: { rateLimit: { windowMs: 60_000, limit: 2 } } });
  const verify = () => request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: '123456' });
  for (let i = 0; i < 2; i += 1) {
    const res = await verify();
    expect(res.status).not.toBe(429);
    expect(res.headers.ratelimit).toMatch(/^"2-in-1min"; r=\d; t=60$/);
  }
  const limited = await verify();
  expectProblem(limited, 429, 'rate_limited');
  expect(limited.headers['retry-after']).toBe('60');
  // Routes that check no proof are not limited.
  expect((await request(h.app).get('/mfa').set('X-Test-User', 'alice')).status).toBe(200);
  h.clock.advance(60_000);
  expect((await verify()).status).not.toBe(429);
  await h.nest.close();
});

test('rateLimit: false turns it off; a bad limit throws invalid_option at start-up', async () => {
  const h = await makeHarness({ module: { rateLimit: false } });
  for (let i = 0; i < 40; i += 1) expect((await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ code: '123456' })).status).not.toBe(429);
  await h.nest.close();
  expect(() => MfaModule.forRoot({ issuer: 'Acme', encryptionKeys: [{ id: 'k', key: Buffer.alloc(32) }] }, { rateLimit: { windowMs: 0, limit: 5 } })).toThrow(MfaError);
});
