/**
 * Threat: malformed, oversized or oddly typed input reaching the core (crashes, 500s with stack
 * traces, type confusion such as a code sent as a number or an array), and anonymous requests
 * reaching the enrollment routes. Every such request gets a problem+json answer with a stable
 * code: 400 invalid_request, 413 payload_too_large, 415 unsupported_media_type,
 * 401 authentication_required.
 */
import { CONTRACT_ROUTES } from '@mfakit/core';
import request from 'supertest';
import { mfaAdminRouter, mfaRouter } from '../src';
import { enrollTotp, expectProblem, makeHarness } from './helpers';

describe('no primary user', () => {
  test.each(CONTRACT_ROUTES.map((route) => [route.method, route.path] as const))('%s %s: 401 authentication_required', async (method, path) => {
    const h = makeHarness();
    const url = `/mfa${path === '/' ? '' : path.replace(':factorId', 'fac_x')}`;
    const verb = method.toLowerCase() as 'get' | 'post' | 'delete';
    const res = await request(h.app)
      [verb](url)
      .send(method === 'GET' ? undefined : { code: '123456' });
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test('an over-long user id is no user', async () => {
    const h = makeHarness();
    expectProblem(await request(h.app).get('/mfa').set('X-Test-User', 'u'.repeat(300)), 401, 'authentication_required');
  });
});

describe('body errors', () => {
  test('invalid JSON: 400 invalid_request', async () => {
    const h = makeHarness();
    for (const raw of ['{"code":', '{code: 123456}', 'null', '"123456"', '123456']) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'invalid_request');
    }
  });

  test('a body over the default 16kb limit: 413 payload_too_large', async () => {
    const h = makeHarness();
    const res = await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: 'x'.repeat(17 * 1024) });
    expectProblem(res, 413, 'payload_too_large');
  });

  test('bodyLimit is honoured', async () => {
    const h = makeHarness({ router: { bodyLimit: '1kb' } });
    expectProblem(
      await request(h.app)
        .post('/mfa/totp')
        .set('X-Test-User', 'alice')
        .send({ label: 'x'.repeat(2048) }),
      413,
      'payload_too_large',
    );
    await request(h.app)
      .post('/mfa/totp')
      .set('X-Test-User', 'alice')
      .send({ label: 'x'.repeat(60) })
      .expect(201);
  });

  test('an unsupported charset: 415 unsupported_media_type', async () => {
    const h = makeHarness();
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json; charset=klingon').send('{"code":"123456"}');
    expectProblem(res, 415, 'unsupported_media_type');
  });

  test.each([
    ['an empty object', {}],
    ['an array', [{ code: '123456' }]],
    ['a number code', { code: 123456 }],
    ['a null code', { code: null }],
    ['an array code', { code: ['123456'] }],
    ['an object code', { code: { $ne: '' } }],
    ['a boolean recovery code', { recoveryCode: true }],
    ['a blank code', { code: '   ' }],
    ['a huge code', { code: '1'.repeat(10_000) }],
    ['both code and recoveryCode', { code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }],
    ['an unknown extra field', { code: '123456', remember: true }],
  ])('POST /mfa/verify with %s: 400 invalid_request', async (_name, body) => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send(body as object),
      400,
      'invalid_request',
    );
    // Malformed input is not a guess: it does not count towards the lockout.
    expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
  });

  test('POST /mfa/verify without a JSON body: 400 invalid_request', async () => {
    const h = makeHarness();
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice'), 400, 'invalid_request');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'text/plain').send('123456'), 400, 'invalid_request');
  });

  test.each([
    ['no body', undefined],
    ['a number code', { code: 123456 }],
    ['an array', ['123456']],
    ['a huge code', { code: '1'.repeat(5000) }],
  ])('POST /mfa/totp/:id/confirm with %s: 400 invalid_request', async (_name, body) => {
    const h = makeHarness();
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
    const res = await request(h.app)
      .post(`/mfa/totp/${started.body.factorId}/confirm`)
      .set('X-Test-User', 'alice')
      .send(body as object);
    expectProblem(res, 400, 'invalid_request');
  });

  test('an over-long factor id in the path: 400 invalid_request', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const id = 'f'.repeat(65);
    expectProblem(await request(h.app).post(`/mfa/totp/${id}/confirm`).set('X-Test-User', 'alice').send({ code: '123456' }), 400, 'invalid_request');
    expectProblem(await request(h.app).delete(`/mfa/factors/${id}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 400, 'invalid_request');
  });

  test('an over-long X-Session-Token is ignored, not trusted', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', 'mfa_'.padEnd(1000, 'A'));
    expectProblem(res, 401, 'mfa_required');
  });

  test('an over-long X-MFA-Token is a wrong code, counted like one', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', '1'.repeat(1000));
    expectProblem(res, 401, 'mfa_invalid_code');
    expect(res.headers['x-session-token']).toBeUndefined();
  });
});

describe('options', () => {
  test('a bad bodyLimit or rateLimit throws invalid_option at construction, not a TypeError or a logged warning later', () => {
    const h = makeHarness();
    const bad = [{ bodyLimit: 'lots' }, { bodyLimit: 0 }, { rateLimit: { windowMs: 0, limit: 5 } }, { rateLimit: { windowMs: 60_000, limit: -1 } }, { rateLimit: true }];
    for (const options of bad) {
      expect(() => mfaRouter(h.mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
    expect(() => mfaAdminRouter(h.mfa, { authorize: () => true, bodyLimit: 'lots' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => mfaRouter(h.mfa, { rateLimit: false, bodyLimit: '8kb' })).not.toThrow();
  });
});
