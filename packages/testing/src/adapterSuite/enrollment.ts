/**
 * Threat: an attacker holding only the primary credential adds their own authenticator, confirms
 * an enrollment with a wrong or replayed code, or revives an enrollment that lapsed; or the
 * enrollment answer leaks into a cache. The enrollment routes (POST /mfa/totp, /mfa/hotp and their
 * confirm routes) must refuse each, and answer with the documented shapes otherwise.
 */
import request from 'supertest';
import { hotpCode, totpCode, wrongCode } from '../otp';
import { enrollHotp, enrollTotp, expectChallenge, expectProblem, nextTotp, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

export function describeEnrollment(makeApp: AdapterAppFactory): void {
  describe('POST /mfa/totp', () => {
    const start = useApps(makeApp);

    test('201 with factorId, secret, otpauthUrl, a PNG data URL and expiresAt; JSON, no-store', async () => {
      const h = await start();
      const res = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const { factorId, secret, otpauthUrl, qrCode, expiresAt } = res.body;
      expect(factorId).toMatch(/^fac_[A-Za-z0-9_-]{22}$/);
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(otpauthUrl).toBe(`otpauth://totp/Acme:alice?secret=${secret}&issuer=Acme`);
      expect(qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(qrCode.split(',')[1], 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(expiresAt).toBe(h.clock.now() + 10 * 60_000);
    });

    test('a label in the body names the factor; a bad label is 400 invalid_request', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').send({ label: 'Work phone' }).expect(201);
      const confirmed = await request(h.app)
        .post(`/mfa/totp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send({ code: totpCode(started.body.secret, h.clock) })
        .expect(200);
      expect(confirmed.body.factor.label).toBe('Work phone');
      const startAsBob = (body: object) => request(h.app).post('/mfa/totp').set('X-Test-User', 'bob').send(body);
      for (const body of [{ label: 42 }, { label: '' }, { label: 'x'.repeat(65) }, [{ label: 'a' }]]) expectProblem(await startAsBob(body), 400, 'invalid_request');
    });

    test('a pending enrollment is not a factor: GET /mfa and requireMfa still see none', async () => {
      const h = await start();
      await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(status.body).toMatchObject({ enrolled: false, factors: [] });
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice'), 403, 'mfa_enrollment_required');
    });

    test('a second factor needs a fresh MFA proof: 401 without a session, 401 mfa_stale when old, 201 when fresh', async () => {
      const h = await start();
      const { sessionToken, secret } = await enrollTotp(h, 'alice');
      const none = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice');
      expectProblem(none, 401, 'mfa_required');
      expectChallenge(none);
      await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(201);
      h.clock.advanceSeconds(5 * 60 + 1);
      const stale = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, 'max_age=300');
      // A fresh inline proof does it, and the answer carries the new session token.
      const inline = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)).expect(201);
      expect(inline.headers['x-session-token']).toMatch(/^mfa_/);
    });
  });

  describe('POST /mfa/totp/:factorId/confirm', () => {
    const start = useApps(makeApp);

    test('the first factor: 200 with the factor, an MFA session and ten recovery codes; no secret echoed', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const now = h.clock.now();
      const res = await request(h.app)
        .post(`/mfa/totp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send({ code: totpCode(started.body.secret, h.clock) })
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        factor: { id: started.body.factorId, kind: 'totp', label: 'Authenticator app', createdAt: now },
        session: { sessionToken: expect.stringMatching(/^mfa_/), expiresAt: now + 12 * 3600_000, amr: ['otp'], authTime: now },
        recoveryCodes: expect.any(Array),
      });
      expect(res.body.recoveryCodes).toHaveLength(10);
      expect(new Set(res.body.recoveryCodes).size).toBe(10);
      for (const code of res.body.recoveryCodes) expect(code).toMatch(RECOVERY_CODE);
      expect(JSON.stringify(res.body)).not.toContain(started.body.secret);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.session.sessionToken).expect(200);
    });

    test('a second factor gets no new recovery codes', async () => {
      const h = await start();
      const first = await enrollTotp(h, 'alice');
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').set('X-Session-Token', first.sessionToken).expect(201);
      const res = await request(h.app)
        .post(`/mfa/totp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .set('X-Session-Token', first.sessionToken) // confirming a further factor needs a fresh proof too
        .send({ code: totpCode(started.body.secret, h.clock) })
        .expect(200);
      expect(res.body.recoveryCodes).toBeUndefined();
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(status.body.factors).toHaveLength(2);
      expect(status.body).toMatchObject({ recoveryCodesRemaining: 10, factors: [{ kind: 'totp' }, { kind: 'totp' }] });
    });

    test('a wrong code is 401 mfa_invalid_code and leaves the enrollment pending', async () => {
      const h = await start();
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
      await request(h.app)
        .post(path)
        .set('X-Test-User', 'alice')
        .send({ code: totpCode(started.body.secret, h.clock) })
        .expect(200);
    });

    test("confirming twice, an unknown id, or another user's enrollment: 404 enrollment_not_found", async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const path = `/mfa/totp/${started.body.factorId}/confirm`;
      const confirm = (user: string, code: string) => request(h.app).post(path).set('X-Test-User', user).send({ code });
      expectProblem(await confirm('bob', totpCode(started.body.secret, h.clock)), 404, 'enrollment_not_found');
      await confirm('alice', totpCode(started.body.secret, h.clock)).expect(200);
      expectProblem(await confirm('alice', nextTotp(h, started.body.secret)), 404, 'enrollment_not_found');
      expectProblem(await request(h.app).post('/mfa/totp/fac_nope/confirm').set('X-Test-User', 'alice').send({ code: '123456' }), 404, 'enrollment_not_found');
    });

    test('an enrollment lapses after enrollmentTtl (10 minutes): 404 enrollment_not_found', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'carol').expect(201);
      h.clock.advanceSeconds(10 * 60 + 1);
      const res = await request(h.app)
        .post(`/mfa/totp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'carol')
        .send({ code: totpCode(started.body.secret, h.clock) });
      expectProblem(res, 404, 'enrollment_not_found');
    });

    test('the code that confirmed a factor cannot be replayed on /mfa/verify', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const code = totpCode(started.body.secret, h.clock);
      await request(h.app).post(`/mfa/totp/${started.body.factorId}/confirm`).set('X-Test-User', 'alice').send({ code }).expect(200);
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }), 401, 'mfa_invalid_code');
    });
  });

  describe('POST /mfa/hotp and its confirm route', () => {
    const start = useApps(makeApp);

    test('201 with an otpauth://hotp URI at counter 0', async () => {
      const h = await start();
      const res = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').expect(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.otpauthUrl).toBe(`otpauth://hotp/Acme:alice?secret=${res.body.secret}&issuer=Acme&counter=0`);
      expect(res.body.qrCode).toMatch(/^data:image\/png;base64,/);
    });

    test('confirm with the counter-0 code: 200, a hotp factor, recovery codes and a session', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').expect(201);
      const res = await request(h.app)
        .post(`/mfa/hotp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send({ code: hotpCode(started.body.secret, 0) });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { factor: { kind: 'hotp', label: 'Hardware token' } } });
      expect(res.body.recoveryCodes).toHaveLength(10);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.session.sessionToken).expect(200);
    });

    test('a wrong HOTP code is 401 mfa_invalid_code', async () => {
      const h = await start();
      const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'alice').expect(201);
      const valid = new Set(Array.from({ length: 11 }, (_, i) => hotpCode(started.body.secret, i)));
      let wrong = 0;
      while (valid.has(String(wrong).padStart(6, '0'))) wrong += 1;
      const res = await request(h.app)
        .post(`/mfa/hotp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send({ code: String(wrong).padStart(6, '0') });
      expectProblem(res, 401, 'mfa_invalid_code');
    });

    test('after confirmation the counter has moved on: the confirm code is spent, the next one works once, look-ahead kills earlier ones', async () => {
      const h = await start();
      const { secret } = await enrollHotp(h, 'alice');
      const verify = (code: string) => request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code });
      expectProblem(await verify(hotpCode(secret, 0)), 401, 'mfa_invalid_code');
      await verify(hotpCode(secret, 1)).expect(200);
      expectProblem(await verify(hotpCode(secret, 1)), 401, 'mfa_invalid_code');
      // Look-ahead: a token pressed a few times without use still verifies, and earlier values die.
      await verify(hotpCode(secret, 5)).expect(200);
      expectProblem(await verify(hotpCode(secret, 3)), 401, 'mfa_invalid_code');
    });

    test('a pending TOTP enrollment cannot be confirmed on the HOTP route, nor HOTP on TOTP', async () => {
      const h = await start();
      const totp = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const code = totpCode(totp.body.secret, h.clock);
      expectProblem(await request(h.app).post(`/mfa/hotp/${totp.body.factorId}/confirm`).set('X-Test-User', 'alice').send({ code }), 404, 'enrollment_not_found');
      const hotp = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'bob').expect(201);
      const hcode = hotpCode(hotp.body.secret, 0);
      expectProblem(await request(h.app).post(`/mfa/totp/${hotp.body.factorId}/confirm`).set('X-Test-User', 'bob').send({ code: hcode }), 404, 'enrollment_not_found');
      await request(h.app).post(`/mfa/totp/${totp.body.factorId}/confirm`).set('X-Test-User', 'alice').send({ code }).expect(200);
    });
  });
}
