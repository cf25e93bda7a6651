/**
 * Threat: malformed, oversized, oddly typed or non-JSON input reaching the core (crashes, 500s
 * with stack traces, type confusion, a form post standing in for JSON), and anonymous requests
 * reaching the enrollment routes. Nest's body parser fails before any controller runs, so its
 * errors must still leave as the contract's problem+json (400, 413, 415), not Nest's error shape;
 * and the application's other routes must keep Nest's own answers.
 */
import { CONTRACT_ROUTES } from '@mfakit/core';
import { Body, Controller, Post } from '@nestjs/common';
import request from 'supertest';
import { enrollTotp, expectProblem, makeHarness, ProtectedController } from './helpers';

describe('no primary user', () => {
  test.each(CONTRACT_ROUTES.map((route) => [route.method, route.path] as const))('%s %s: 401 authentication_required', async (method, path) => {
    const h = await makeHarness();
    const url = `/mfa${path === '/' ? '' : path.replace(':factorId', 'fac_x')}`;
    const verb = method.toLowerCase() as 'get' | 'post' | 'delete';
    const res = await request(h.app)
      [verb](url)
      .send(method === 'GET' ? undefined : { code: '123456' });
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe("body errors of Nest's parser", () => {
  test('invalid JSON: 400 invalid_request problem, not Nest\'s {"statusCode","message"}', async () => {
    const h = await makeHarness();
    for (const raw of ['{"code":', '{code: 123456}', 'null', '"123456"', '123456']) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'invalid_request');
    }
  });

  test('invalid JSON on every POST route of the contract, and with a factor id in the path', async () => {
    const h = await makeHarness();
    for (const route of CONTRACT_ROUTES.filter((r) => r.method !== 'GET')) {
      const url = `/mfa${route.path.replace(':factorId', 'fac_x')}`;
      const verb = route.method.toLowerCase() as 'post' | 'delete';
      const res = await request(h.app)[verb](url).set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{');
      expectProblem(res, 400, 'invalid_request');
    }
  });

  test("a body over the 16kb limit: 413 payload_too_large; over Nest's own 100kb limit too", async () => {
    const h = await makeHarness();
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: 'x'.repeat(17 * 1024) }),
      413,
      'payload_too_large',
    );
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: 'x'.repeat(200 * 1024) }),
      413,
      'payload_too_large',
    );
  });

  test('bodyLimit is honoured', async () => {
    const h = await makeHarness({ module: { bodyLimit: 1024 } });
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
    const h = await makeHarness();
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json; charset=klingon').send('{"code":"123456"}');
    expectProblem(res, 415, 'unsupported_media_type');
  });

  test("other routes of the application keep Nest's own answer to a bad body", async () => {
    @Controller('orders')
    class OrdersController {
      @Post()
      create(@Body() body: unknown) {
        return body;
      }
    }
    const h = await makeHarness({ metadata: { controllers: [OrdersController, ProtectedController] } });
    const res = await request(h.app).post('/orders').set('Content-Type', 'application/json').send('{"code":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ statusCode: 400 });
    expect(res.body.code).toBeUndefined();
  });
});

describe('bodies that are not JSON objects', () => {
  test.each([
    ['an empty object', {}],
    ['an array', [{ code: '123456' }]],
    ['a number code', { code: 123456 }],
    ['an object code', { code: { $ne: '' } }],
    ['both code and recoveryCode', { code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }],
  ])('POST /mfa/verify with %s: 400 invalid_request, not counted', async (_name, body) => {
    const h = await makeHarness();
    await enrollTotp(h, 'alice');
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send(body as object),
      400,
      'invalid_request',
    );
    expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
  });

  test('no body, text/plain, or a form post (which Nest parses too) are no JSON: 400 invalid_request', async () => {
    const h = await makeHarness();
    await enrollTotp(h, 'alice');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice'), 400, 'invalid_request');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'text/plain').send('123456'), 400, 'invalid_request');
    const form = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').type('form').send('code=123456');
    expectProblem(form, 400, 'invalid_request');
    expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
  });

  test('an undecodable factor id: 400 invalid_request; trailing slash and case route as Express does', async () => {
    const h = await makeHarness();
    expectProblem(await request(h.app).delete('/mfa/factors/%E0%A4%A').set('X-Test-User', 'alice'), 400, 'invalid_request');
    expectProblem(await request(h.app).post('/MFA/Verify/').set('X-Test-User', 'alice').send({ code: '123456' }), 403, 'mfa_enrollment_required');
  });

  test('an over-long factor id in the path: 400 invalid_request', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const id = 'f'.repeat(65);
    expectProblem(await request(h.app).post(`/mfa/totp/${id}/confirm`).set('X-Test-User', 'alice').send({ code: '123456' }), 400, 'invalid_request');
    expectProblem(await request(h.app).delete(`/mfa/factors/${id}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 400, 'invalid_request');
  });

  test('an over-long X-MFA-Token on a guarded route is a wrong code, counted like one', async () => {
    const h = await makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', '1'.repeat(1000));
    expectProblem(res, 401, 'mfa_invalid_code');
    expect(res.headers['x-session-token']).toBeUndefined();
  });
});
