// Threat: a user reaches a protected route without a second factor, or an enrollment leaks the
// secret or the recovery codes after the moment they are shown. The whole path a person takes:
// sign in, enroll an authenticator app, confirm with a real code, use the MFA session, end it,
// verify again.
import { totpCode, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { demo, expectProblem, login } from './helpers';

describe('enrolling an authenticator app and using the MFA session', () => {
  const { app, clock, errors } = demo();
  let accessToken = '';
  let factorId = '';
  let secret = '';
  let sessionToken = '';

  test('a new user must use MFA and has no factor yet', async () => {
    accessToken = await login(app, 'alice');
    const status = await request(app).get('/mfa').auth(accessToken, { type: 'bearer' });
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ userId: 'alice', required: true, exempt: false, enrolled: false, factors: [], recoveryCodesRemaining: 0, session: null });
  });

  test('the protected route asks for enrollment first (403 mfa_enrollment_required)', async () => {
    expectProblem(await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' }), 403, 'mfa_enrollment_required');
  });

  test('POST /mfa/totp starts an enrollment with a secret, an otpauth URI and a PNG QR code', async () => {
    const res = await request(app).post('/mfa/totp').auth(accessToken, { type: 'bearer' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    ({ factorId, secret } = res.body);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauthUrl).toBe(`otpauth://totp/mfakit%20demo:alice?secret=${secret}&issuer=mfakit%20demo`);
    expect(res.body.qrCode).toMatch(/^data:image\/png;base64,/);
  });

  test('a wrong code does not confirm it', async () => {
    const res = await request(app).post(`/mfa/totp/${factorId}/confirm`).auth(accessToken, { type: 'bearer' }).send({ code: wrongCode(secret, clock) });
    expectProblem(res, 401, 'mfa_invalid_code');
  });

  test('the code the app shows confirms it: ten recovery codes and an MFA session', async () => {
    const res = await request(app).post(`/mfa/totp/${factorId}/confirm`).auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
    expect(res.status).toBe(200);
    expect(res.body.factor).toMatchObject({ id: factorId, kind: 'totp', label: 'Authenticator app' });
    expect(res.body.recoveryCodes).toHaveLength(10);
    for (const code of res.body.recoveryCodes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(res.body.session).toMatchObject({ amr: ['otp'], authTime: clock.now() });
    sessionToken = res.body.session.sessionToken;
  });

  test('the protected route passes with X-Session-Token and exposes req.mfa', async () => {
    const res = await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', sessionToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id: 'alice' },
      mfa: { userId: 'alice', exempt: false, amr: ['otp'], authTime: clock.now(), expiresAt: expect.any(Number), factorId },
    });
  });

  test('without the session token the route answers 401 mfa_required with the RFC 9470 challenge', async () => {
    const res = await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' });
    expectProblem(res, 401, 'mfa_required');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_user_authentication", error_description="/);
  });

  test('the status shows the factor and the session but neither the secret nor the recovery codes', async () => {
    const res = await request(app).get('/mfa').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', sessionToken);
    expect(res.body).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10, factors: [{ id: factorId, kind: 'totp' }], session: { amr: ['otp'] } });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(JSON.stringify(res.body)).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-/);
  });

  test('a confirmed enrollment cannot be confirmed again', async () => {
    clock.advanceSeconds(30);
    const res = await request(app).post(`/mfa/totp/${factorId}/confirm`).auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
    expectProblem(res, 404, 'enrollment_not_found');
  });

  test('DELETE /mfa/session ends the session; the route asks for MFA again', async () => {
    const ended = await request(app).delete('/mfa/session').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', sessionToken);
    expect(ended.status).toBe(204);
    expectProblem(await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', sessionToken), 401, 'mfa_required');
  });

  test('POST /mfa/verify with a fresh code opens a new session', async () => {
    clock.advanceSeconds(30);
    const res = await request(app).post('/mfa/verify').auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ amr: ['otp'], authTime: clock.now(), factorId });
    const profile = await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', res.body.sessionToken);
    expect(profile.status).toBe(200);
  });

  test('the same code cannot be used twice (replay)', async () => {
    const res = await request(app).post('/mfa/verify').auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
    expectProblem(res, 401, 'mfa_invalid_code');
  });

  test('the session lapses after 30 idle minutes', async () => {
    clock.advanceSeconds(60);
    const verified = await request(app).post('/mfa/verify').auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
    clock.advanceSeconds(31 * 60);
    const res = await request(app).get('/api/profile').auth(accessToken, { type: 'bearer' }).set('X-Session-Token', verified.body.sessionToken);
    expectProblem(res, 401, 'mfa_required');
  });

  afterAll(() => expect(errors).toEqual([]));
});
