/**
 * Threat: a user reaches a protected route without a second factor, or an enrollment leaks the
 * secret or the recovery codes after the moment they are shown. The whole path a person takes:
 * sign in, enroll an authenticator app, confirm with a real code, use the MFA session, end it,
 * verify again.
 */
import { totpCode, wrongCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, expectProblem, login, useDemo } from './lib/harness';

const COOKIE_REFUSED =
  'The mfa_session cookie is not accepted on a request a cross-site form could send: send Content-Type: application/json or an X-Requested-With header, or the token in X-Session-Token.';

export function describeEnrollment(makeDemo: DemoFactory): void {
  describe('enrolling an authenticator app and using the MFA session', () => {
    const demo = useDemo(makeDemo);
    let accessToken = '';
    let factorId = '';
    let secret = '';
    let sessionToken = '';
    const get = (path: string) => bearer(demo.http.get(path), accessToken);
    const post = (path: string) => bearer(demo.http.post(path), accessToken);

    test('a new user must use MFA and has no factor yet', async () => {
      accessToken = await login(demo, 'alice');
      const status = await get('/mfa');
      expect(status.status).toBe(200);
      expect(status.body).toEqual({ userId: 'alice', required: true, exempt: false, exemption: null, enrollBy: null, enrolled: false, factors: [], recoveryCodesRemaining: 0, session: null });
    });

    test('the protected route asks for enrollment first (403 mfa_enrollment_required)', async () => {
      expectProblem(await get('/api/profile'), 403, 'mfa_enrollment_required');
    });

    test('POST /mfa/totp starts an enrollment with a secret, an otpauth URI and a PNG QR code', async () => {
      const res = await post('/mfa/totp');
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      ({ factorId, secret } = res.body);
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(res.body.otpauthUrl).toBe(`otpauth://totp/mfakit%20demo:alice?secret=${secret}&issuer=mfakit%20demo`);
      expect(res.body.qrCode).toMatch(/^data:image\/png;base64,/);
    });

    test('a wrong code does not confirm it', async () => {
      const res = await post(`/mfa/totp/${factorId}/confirm`).send({ code: wrongCode(secret, demo.clock) });
      expectProblem(res, 401, 'mfa_invalid_code');
    });

    test('the code the app shows confirms it: ten recovery codes and an MFA session', async () => {
      const res = await post(`/mfa/totp/${factorId}/confirm`).send({ code: totpCode(secret, demo.clock) });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.factor).toMatchObject({ id: factorId, kind: 'totp', label: 'Authenticator app' });
      expect(res.body.recoveryCodes).toHaveLength(10);
      for (const code of res.body.recoveryCodes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(res.body.session).toMatchObject({ amr: ['otp'], authTime: demo.clock.now() });
      sessionToken = res.body.session.sessionToken;
    });

    test('the protected route passes with X-Session-Token and exposes the MFA state', async () => {
      const res = await get('/api/profile').set('X-Session-Token', sessionToken);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        user: { id: 'alice' },
        mfa: { userId: 'alice', exempt: false, amr: ['otp'], authTime: demo.clock.now(), expiresAt: expect.any(Number), factorId },
      });
    });

    test('the session token works from the mfa_session cookie too', async () => {
      const res = await get('/api/profile').set('Cookie', `mfa_session=${sessionToken}`);
      expect(res.status).toBe(200);
      expect(res.body.mfa).toMatchObject({ userId: 'alice', factorId });
    });

    test('the cookie does not count on a POST a cross-site form could send (text/plain): 401 saying why; with JSON it does', async () => {
      // Threat: a cross-site form, sent with the victim's cookie, regenerates their recovery codes (CSRF).
      const forged = await post('/mfa/recovery-codes').set('Cookie', `mfa_session=${sessionToken}`).set('Content-Type', 'text/plain');
      expectProblem(forged, 401, 'mfa_required');
      expect(forged.body.detail).toBe(COOKIE_REFUSED);
      expect(forged.headers['www-authenticate']).toMatch(CHALLENGE);
      const res = await post('/mfa/recovery-codes').set('Cookie', `mfa_session=${sessionToken}`).send({});
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodes).toHaveLength(10);
    });

    test('without the session token the route answers 401 mfa_required with the RFC 9470 challenge', async () => {
      const res = await get('/api/profile');
      expectProblem(res, 401, 'mfa_required');
      expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
    });

    test('the status shows the factor and the session but neither the secret nor the recovery codes', async () => {
      const res = await get('/mfa').set('X-Session-Token', sessionToken);
      expect(res.body).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10, factors: [{ id: factorId, kind: 'totp' }], session: { amr: ['otp'] } });
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(JSON.stringify(res.body)).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-/);
    });

    test('a confirmed enrollment cannot be confirmed again', async () => {
      demo.clock.advanceSeconds(30);
      const res = await post(`/mfa/totp/${factorId}/confirm`).send({ code: totpCode(secret, demo.clock) });
      expectProblem(res, 404, 'enrollment_not_found');
    });

    test('a second authenticator app needs MFA: 401 mfa_required without a session', async () => {
      const res = await post('/mfa/totp');
      expectProblem(res, 401, 'mfa_required');
      expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
    });

    test('DELETE /mfa/session ends the session; the route asks for MFA again', async () => {
      const ended = await bearer(demo.http.delete('/mfa/session'), accessToken).set('X-Session-Token', sessionToken);
      expect(ended.status).toBe(204);
      expectProblem(await get('/api/profile').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    });

    test('POST /mfa/verify with a fresh code opens a new session', async () => {
      demo.clock.advanceSeconds(30);
      const res = await post('/mfa/verify').send({ code: totpCode(secret, demo.clock) });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), expiresAt: expect.any(Number), amr: ['otp'], authTime: demo.clock.now(), factorId });
      expect((await get('/api/profile').set('X-Session-Token', res.body.sessionToken)).status).toBe(200);
    });

    test('the same code cannot be used twice (replay)', async () => {
      const res = await post('/mfa/verify').send({ code: totpCode(secret, demo.clock) });
      expectProblem(res, 401, 'mfa_invalid_code');
    });

    test('the session lapses after 30 idle minutes', async () => {
      demo.clock.advanceSeconds(60);
      const verified = await post('/mfa/verify').send({ code: totpCode(secret, demo.clock) });
      demo.clock.advanceSeconds(31 * 60);
      expectProblem(await get('/api/profile').set('X-Session-Token', verified.body.sessionToken), 401, 'mfa_required');
    });
  });
}
