/**
 * Threat: the Nest controller drifting from the HTTP contract (a route missing, mounted at another
 * path or method, a status, header or body changed on the way out), so that a client written for
 * one framework breaks, or leaks, on another. Each route of CONTRACT_ROUTES is mounted, and each
 * answers as the contract says: enrollment, verification, recovery codes, factor removal, session
 * end, and 404 not_found for anything else under the mount.
 */
import { CONTRACT_ROUTES } from '@mfakit/core';
import { hotpCode, totpCode, wrongCode } from '@mfakit/testing';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import request from 'supertest';
import { createMfaController, MfaController } from '../src';
import { enrollHotp, enrollTotp, expectChallenge, expectProblem, makeHarness, nextTotp } from './helpers';

describe('the controller covers the contract', () => {
  test('every route of CONTRACT_ROUTES is a handler with its method and path', () => {
    const proto = MfaController.prototype as unknown as Record<string, object>;
    for (const route of CONTRACT_ROUTES) {
      const handler = proto[route.name];
      expect({ route: route.name, handler: typeof handler }).toEqual({ route: route.name, handler: 'function' });
      expect(RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler!)]).toBe(route.method);
      expect(`/${Reflect.getMetadata(PATH_METADATA, handler!)}`.replace(/\/$/, '') || '/').toBe(route.path);
    }
  });

  test('createMfaController mounts at another path', () => {
    expect(Reflect.getMetadata(PATH_METADATA, createMfaController('/auth/mfa/'))).toBe('auth/mfa');
    expect(Reflect.getMetadata(PATH_METADATA, MfaController)).toBe('mfa');
  });

  test('createMfaController refuses the root: its catch-all would answer every unknown route', () => {
    for (const path of ['', '/', ' // ']) expect(() => createMfaController(path)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });
});

describe('GET /mfa', () => {
  test('a new user: 200 status, no-store, application/json', async () => {
    const h = await makeHarness();
    const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ userId: 'alice', required: true, exempt: false, exemption: null, enrollBy: null, enrolled: false, factors: [], recoveryCodesRemaining: 0, session: null });
  });

  test('an enrolled user with a session: factors without secrets, the session', async () => {
    const h = await makeHarness();
    const created = h.clock.now();
    const { factorId, secret, sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(res.body).toEqual({
      userId: 'alice',
      required: true,
      exempt: false,
      exemption: null,
      enrollBy: null,
      enrolled: true,
      factors: [{ id: factorId, kind: 'totp', label: 'Authenticator app', createdAt: created }],
      recoveryCodesRemaining: 10,
      session: { amr: ['otp'], authTime: created, expiresAt: created + 12 * 3600_000, factorId },
    });
    expect(JSON.stringify(res.body)).not.toContain(secret);
  });
});

describe('TOTP enrollment: POST /mfa/totp and /mfa/totp/:factorId/confirm', () => {
  test('201 with factorId, secret, otpauthUrl and a PNG data URL; confirm: 200 factor, session, ten recovery codes', async () => {
    const h = await makeHarness();
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').send({ label: 'Work phone' }).expect(201);
    expect(started.headers['cache-control']).toBe('no-store');
    const { factorId, secret, otpauthUrl, qrCode, expiresAt } = started.body;
    expect(factorId).toMatch(/^fac_[A-Za-z0-9_-]{22}$/);
    expect(otpauthUrl).toBe(`otpauth://totp/Acme:alice?secret=${secret}&issuer=Acme`);
    expect(qrCode).toMatch(/^data:image\/png;base64,/);
    expect(expiresAt).toBe(h.clock.now() + 10 * 60_000);

    const now = h.clock.now();
    const res = await request(h.app)
      .post(`/mfa/totp/${factorId}/confirm`)
      .set('X-Test-User', 'alice')
      .send({ code: totpCode(secret, h.clock) })
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      factor: { id: factorId, kind: 'totp', label: 'Work phone', createdAt: now },
      session: { sessionToken: expect.stringMatching(/^mfa_/), expiresAt: now + 12 * 3600_000, amr: ['otp'], authTime: now },
      recoveryCodes: expect.any(Array),
    });
    expect(res.body.recoveryCodes).toHaveLength(10);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.session.sessionToken).expect(200);
  });

  test('a wrong code: 401 mfa_invalid_code; an unknown enrollment: 404 enrollment_not_found', async () => {
    const h = await makeHarness();
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
    const path = `/mfa/totp/${started.body.factorId}/confirm`;
    expectProblem(
      await request(h.app)
        .post(path)
        .set('X-Test-User', 'alice')
        .send({ code: wrongCode(started.body.secret, h.clock) }),
      401,
      'mfa_invalid_code',
    );
    expectProblem(
      await request(h.app)
        .post(path)
        .set('X-Test-User', 'bob')
        .send({ code: totpCode(started.body.secret, h.clock) }),
      404,
      'enrollment_not_found',
    );
    expectProblem(await request(h.app).post('/mfa/totp/fac_nope/confirm').set('X-Test-User', 'alice').send({ code: '123456' }), 404, 'enrollment_not_found');
  });

  test('a second factor needs a fresh proof: 401 mfa_required, 401 mfa_stale with max_age, 201 with an inline code and X-Session-Token', async () => {
    const h = await makeHarness();
    const { sessionToken, secret } = await enrollTotp(h, 'alice');
    const none = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice');
    expectProblem(none, 401, 'mfa_required');
    expectChallenge(none);
    h.clock.advanceSeconds(5 * 60 + 1);
    const stale = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, 'max_age=300');
    const inline = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)).expect(201);
    expect(inline.headers['x-session-token']).toMatch(/^mfa_/);
  });
});

describe('HOTP enrollment: POST /mfa/hotp and /mfa/hotp/:factorId/confirm', () => {
  test('201 with an otpauth://hotp URI; confirm with the counter-0 code: 200 and a hotp factor', async () => {
    const h = await makeHarness();
    const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').expect(201);
    expect(started.body.otpauthUrl).toBe(`otpauth://hotp/Acme:alice?secret=${started.body.secret}&issuer=Acme&counter=0`);
    const res = await request(h.app)
      .post(`/mfa/hotp/${started.body.factorId}/confirm`)
      .set('X-Test-User', 'alice')
      .send({ code: hotpCode(started.body.secret, 0) })
      .expect(200);
    expect(res.body).toMatchObject({ factor: { kind: 'hotp', label: 'Hardware token' }, recoveryCodes: expect.any(Array) });
  });

  test('the counter moves on: the next code verifies once', async () => {
    const h = await makeHarness();
    const { secret } = await enrollHotp(h, 'alice');
    await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: hotpCode(secret, 1) })
      .expect(200);
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: hotpCode(secret, 1) }),
      401,
      'mfa_invalid_code',
    );
  });
});

describe('POST /mfa/verify', () => {
  test('{code}: 200 sessionToken, expiresAt, amr, authTime, factorId; a replay is 401 mfa_invalid_code', async () => {
    const h = await makeHarness();
    const { secret, factorId } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    const now = h.clock.now();
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['otp'], authTime: now, factorId });
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }), 401, 'mfa_invalid_code');
  });

  test('{recoveryCode}: 200 with recoveryCodesRemaining; each code works once', async () => {
    const h = await makeHarness();
    const { recoveryCodes } = await enrollTotp(h, 'alice');
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }).expect(200);
    expect(res.body).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), factorId: 'recovery', recoveryCodesRemaining: 9 });
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }), 401, 'mfa_invalid_code');
  });

  test('the third failure locks: 429 mfa_locked with Retry-After and no-store, across factors', async () => {
    const h = await makeHarness();
    const { secret, recoveryCodes } = await enrollTotp(h, 'alice');
    const wrong = wrongCode(secret, h.clock);
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong }).expect(401);
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }).expect(401);
    const locked = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong });
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }), 429, 'mfa_locked');
  });

  test('a user without factors: 403 mfa_enrollment_required', async () => {
    const h = await makeHarness();
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: '123456' }), 403, 'mfa_enrollment_required');
  });
});

describe('POST /mfa/recovery-codes', () => {
  test('fresh MFA: 200 with a new set of ten; the old set is void', async () => {
    const h = await makeHarness();
    const { sessionToken, recoveryCodes: old } = await enrollTotp(h, 'alice');
    const res = await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body)).toEqual(['recoveryCodes']);
    expect(res.body.recoveryCodes).toHaveLength(10);
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: old[0] }), 401, 'mfa_invalid_code');
  });

  test('no session: 401 mfa_required; a stale one: 401 mfa_stale with max_age=300', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    expectProblem(await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice'), 401, 'mfa_required');
    h.clock.advanceSeconds(301);
    const stale = await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, 'max_age=300');
  });
});

describe('DELETE /mfa/factors/:factorId', () => {
  test('fresh MFA: 204 without a body, no-store; the factor is gone', async () => {
    const h = await makeHarness({ mfa: { policy: { required: () => false } } }); // opted in: the last factor may go
    const { factorId, sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).delete(`/mfa/factors/${factorId}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('');
    const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
    expect(status.body).toMatchObject({ enrolled: false, factors: [] });
  });

  test("another user's factor: 404 factor_not_found; no session: 401 mfa_required", async () => {
    const h = await makeHarness();
    const alice = await enrollTotp(h, 'alice');
    const bob = await enrollTotp(h, 'bob');
    expectProblem(await request(h.app).delete(`/mfa/factors/${bob.factorId}`).set('X-Test-User', 'alice').set('X-Session-Token', alice.sessionToken), 404, 'factor_not_found');
    expectProblem(await request(h.app).delete(`/mfa/factors/${alice.factorId}`).set('X-Test-User', 'alice'), 401, 'mfa_required');
  });
});

describe('DELETE /mfa/session', () => {
  test('204, no body, no-store; the token stops working for MfaGuard', async () => {
    const h = await makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    const res = await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('');
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
  });
});

describe('unknown routes under the mount', () => {
  test.each([
    ['GET', '/mfa/nope'],
    ['PUT', '/mfa/totp'],
    ['GET', '/mfa/verify'],
    ['POST', '/mfa'],
    ['DELETE', '/mfa/factors'],
    ['PATCH', '/mfa/session/extra'],
  ])('%s %s -> 404 not_found problem', async (method, path) => {
    const h = await makeHarness();
    const res = await request(h.app)[method.toLowerCase() as 'get' | 'put' | 'post' | 'delete' | 'patch'](path).set('X-Test-User', 'alice');
    expectProblem(res, 404, 'not_found');
  });
});

describe('under a global prefix', () => {
  test('the routes, 404s and body errors all answer at /api/mfa', async () => {
    const h = await makeHarness({ configure: (app) => app.setGlobalPrefix('api') });
    await enrollTotp(h, 'alice', '/api/mfa');
    expectProblem(await request(h.app).get('/api/mfa/nope').set('X-Test-User', 'alice'), 404, 'not_found');
    const bad = await request(h.app).post('/api/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{"code":');
    expectProblem(bad, 400, 'invalid_request');
  });
});
