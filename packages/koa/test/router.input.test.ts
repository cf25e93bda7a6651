/**
 * Threat: malformed, oversized or oddly typed input reaching the core (crashes, 500s with stack
 * traces, type confusion such as a code sent as a number or an array), anonymous requests
 * reaching the enrollment routes, and paths under the mount point that are no route. Every such
 * request gets a problem+json answer with a stable code: 400 invalid_request, 413
 * payload_too_large, 415 unsupported_media_type, 401 authentication_required, 404 not_found.
 */
import { CONTRACT_ROUTES } from '@mfakit/core';
import request from 'supertest';
import { enrollTotp, expectProblem, makeHarness } from './helpers';

describe('no primary user', () => {
  test('every route of the contract: 401 authentication_required with a bare Bearer challenge', async () => {
    const h = makeHarness();
    for (const { method, path } of CONTRACT_ROUTES) {
      const url = `/mfa${path === '/' ? '' : path.replace(':factorId', 'fac_x')}`;
      const verb = method.toLowerCase() as 'get' | 'post' | 'delete';
      const res = await request(h.app)
        [verb](url)
        .send(method === 'GET' ? undefined : { code: '123456' });
      expectProblem(res, 401, 'authentication_required');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  test('an over-long user id is no user', async () => {
    const h = makeHarness();
    expectProblem(await request(h.app).get('/mfa').set('X-Test-User', 'u'.repeat(300)), 401, 'authentication_required');
  });
});

describe('body errors', () => {
  test('invalid JSON, or JSON that is not an object or array: 400 invalid_request', async () => {
    const h = makeHarness();
    for (const raw of ['{"code":', '{code: 123456}', 'null', '"123456"', '123456']) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'invalid_request');
      expect(res.body.detail).toBe('The body is not valid JSON.');
    }
  });

  test('a body over the default 16kb limit: 413 payload_too_large; bodyLimit raises it', async () => {
    const h = makeHarness();
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: 'x'.repeat(17 * 1024) }),
      413,
      'payload_too_large',
    );
    const small = makeHarness({ router: { bodyLimit: '50b' } });
    expectProblem(
      await request(small.app)
        .post('/mfa/totp')
        .set('X-Test-User', 'alice')
        .send({ label: 'x'.repeat(60) }),
      413,
      'payload_too_large',
    );
    const large = makeHarness({ router: { bodyLimit: '64kb' } });
    expectProblem(
      await request(large.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: 'x'.repeat(17 * 1024) }),
      400,
      'invalid_request',
    );
  });

  test('a charset outside UTF, or an unknown content encoding: 415 unsupported_media_type', async () => {
    const h = makeHarness();
    for (const charset of ['klingon', 'latin1']) {
      const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', `application/json; charset=${charset}`).send('{"code":"123456"}');
      expectProblem(res, 415, 'unsupported_media_type');
    }
    const zipped = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').set('Content-Encoding', 'snappy').send('{"code":"1"}');
    expectProblem(zipped, 415, 'unsupported_media_type');
    const broken = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip at all');
    expectProblem(broken, 400, 'invalid_request');
  });

  test('the body of any method and of unknown paths is read too, as Express does', async () => {
    const h = makeHarness();
    for (const [verb, path] of [
      ['delete', '/mfa/session'],
      ['get', '/mfa'],
      ['get', '/mfa/nope'],
    ] as const) {
      expectProblem(await request(h.app)[verb](path).set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{bad'), 400, 'invalid_request');
    }
  });

  test('POST /mfa/verify with fields of the wrong type, shape or size: 400 invalid_request, not counted as a guess', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    const bodies = [
      {},
      [{ code: '123456' }],
      { code: 123456 },
      { code: null },
      { code: ['123456'] },
      { code: { $ne: '' } },
      { recoveryCode: true },
      { code: '   ' },
      { code: '1'.repeat(10_000) },
      { code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' },
      { code: '123456', remember: true },
    ];
    for (const body of bodies) expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send(body), 400, 'invalid_request');
    expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
  });

  test('POST /mfa/verify without a JSON body (none, or text/plain): 400 invalid_request', async () => {
    const h = makeHarness();
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice'), 400, 'invalid_request');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'text/plain').send('123456'), 400, 'invalid_request');
  });

  test('POST /mfa/totp/:id/confirm without a body or with a bad code: 400 invalid_request', async () => {
    const h = makeHarness();
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
    const path = `/mfa/totp/${started.body.factorId}/confirm`;
    expectProblem(await request(h.app).post(path).set('X-Test-User', 'alice'), 400, 'invalid_request');
    for (const body of [{ code: 123456 }, ['123456'], { code: '1'.repeat(5000) }]) {
      expectProblem(await request(h.app).post(path).set('X-Test-User', 'alice').send(body), 400, 'invalid_request');
    }
  });

  test('an over-long or undecodable factor id in the path: 400 invalid_request', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    for (const id of ['f'.repeat(65), '%E0%A4%A']) {
      expectProblem(await request(h.app).post(`/mfa/totp/${id}/confirm`).set('X-Test-User', 'alice').send({ code: '123456' }), 400, 'invalid_request');
      expectProblem(await request(h.app).delete(`/mfa/factors/${id}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 400, 'invalid_request');
    }
  });

  test('an over-long X-Session-Token is ignored; an over-long X-MFA-Token is a wrong code', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', 'mfa_'.padEnd(1000, 'A')), 401, 'mfa_required');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', '1'.repeat(1000));
    expectProblem(res, 401, 'mfa_invalid_code');
    expect(res.headers['x-session-token']).toBeUndefined();
  });
});

describe('paths under the prefix that are no route', () => {
  test('unknown paths and methods: 404 not_found problem, the prefix itself included', async () => {
    const h = makeHarness();
    for (const [verb, path] of [
      ['get', '/mfa/nope'],
      ['put', '/mfa/totp'],
      ['get', '/mfa/verify'],
      ['put', '/mfa'],
      ['options', '/mfa'],
      ['get', '/mfa/totp/x/y/z'],
    ] as const) {
      const res = await request(h.app)[verb](path).set('X-Test-User', 'alice');
      expectProblem(res, 404, 'not_found');
    }
  });

  test('paths outside the prefix are left to the rest of the app', async () => {
    const h = makeHarness();
    const res = await request(h.app).get('/mfa-elsewhere').set('X-Test-User', 'alice');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  test('routes match like Express: case-insensitive, an optional trailing slash, HEAD for GET', async () => {
    const h = makeHarness();
    await request(h.app).get('/MFA/').set('X-Test-User', 'alice').expect(200);
    expectProblem(await request(h.app).post('/Mfa/Verify/').set('X-Test-User', 'alice').send({ code: '1' }), 403, 'mfa_enrollment_required');
    const head = await request(h.app).head('/mfa').set('X-Test-User', 'alice').expect(200);
    expect(head.headers['cache-control']).toBe('no-store');
  });
});
