/**
 * Threat: a request reaches a protected handler without a valid second factor of its own user:
 * no session, a forged, expired or ended one, another user's session, a stale one for a step-up
 * route, or one proved with the wrong kind of factor; or a denial leaves in the framework's own
 * error shape. requireMfa (Nest's MfaGuard) must deny each with the contract's exact status,
 * headers, problem body and RFC 9470 challenge, and pass only what it should (setting req.mfa).
 */
import request from 'supertest';
import { totpCode, wrongCode } from '../otp';
import { enrollTotp, expectChallenge, expectProblem, nextTotp, useApps } from './lib/harness';
import { ADAPTER_STEP_UP_MAX_AGE as SENSITIVE_MAX_AGE, type AdapterAppFactory } from './types';

export function describeRequireMfa(makeApp: AdapterAppFactory): void {
  describe('requireMfa: denials', () => {
    const start = useApps(makeApp);

    test('no primary user: 401 authentication_required with a bare Bearer challenge', async () => {
      const h = await start();
      const res = await request(h.app).get('/protected');
      expectProblem(res, 401, 'authentication_required');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    test('a user without any factor: 403 mfa_enrollment_required, no challenge', async () => {
      const h = await start();
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
      expectProblem(res, 403, 'mfa_enrollment_required');
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    test('an enrolled user without a session: 401 mfa_required with the step-up challenge', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
      expectProblem(res, 401, 'mfa_required');
      expectChallenge(res);
      expect(res.body.detail).toBe('A second factor is required.');
    });

    test('a forged, altered or over-long session token: 401 mfa_required', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      for (const token of ['mfa_forged', sessionToken.slice(0, -1) + (sessionToken.endsWith('A') ? 'B' : 'A'), 'x'.repeat(300)]) {
        const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', token);
        expectProblem(res, 401, 'mfa_required');
        expectChallenge(res);
      }
    });

    test("another user's session does not pass, by header or by cookie", async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      await enrollTotp(h, 'bob');
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'bob').set('X-Session-Token', alice.sessionToken), 401, 'mfa_required');
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'bob').set('Cookie', `mfa_session=${alice.sessionToken}`), 401, 'mfa_required');
    });

    test('a session unused for longer than the idle timeout (30 minutes) ends', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      h.clock.advanceSeconds(29 * 60);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      h.clock.advanceSeconds(31 * 60);
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    });

    test('a session ended through DELETE /mfa/session no longer passes', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    });
  });

  describe('requireMfa: passing', () => {
    const start = useApps(makeApp);

    test('a valid X-Session-Token passes and req.mfa describes the session', async () => {
      const h = await start();
      const { sessionToken, factorId } = await enrollTotp(h, 'alice');
      const now = h.clock.now();
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      expect(res.body).toEqual({
        ok: true,
        user: 'alice',
        mfa: { userId: 'alice', exempt: false, amr: ['otp'], authTime: now, expiresAt: now + 12 * 3600_000, factorId },
      });
    });

    test('the mfa_session cookie works like X-Session-Token, among other cookies; a look-alike name does not', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `theme=dark; mfa_session=${sessionToken}; lang=en`).expect(200);
      expect(res.body.mfa.userId).toBe('alice');
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `not_mfa_session=${sessionToken}`), 401, 'mfa_required');
    });

    test('the cookie is found in a long Cookie header, as browsers send with many cookies; an over-long cookie value is not a token', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const analytics = `_ga=GA1.1.${'7'.repeat(400)}; consent=${'y'.repeat(200)}`;
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `${analytics}; mfa_session=${sessionToken}`).expect(200);
      const long = await request(h.app)
        .get('/protected')
        .set('X-Test-User', 'alice')
        .set('Cookie', `mfa_session=${sessionToken}${'A'.repeat(300)}`);
      expectProblem(long, 401, 'mfa_required');
    });

    test('an inline X-MFA-Token passes and returns a new X-Session-Token that works afterwards', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
      const issued = res.headers['x-session-token'] as string;
      expect(issued).toMatch(/^mfa_[A-Za-z0-9_-]{43}$/);
      expect(res.body.mfa).toMatchObject({ userId: 'alice', amr: ['otp'], authTime: h.clock.now() });
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
    });

    test('an inline code is single-use, and a wrong one is 401 mfa_invalid_code without a session', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
      const replay = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code);
      expectProblem(replay, 401, 'mfa_invalid_code');
      expect(replay.headers['x-session-token']).toBeUndefined();
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrongCode(secret, h.clock)), 401, 'mfa_invalid_code');
    });

    test('an exempt user passes without a session, and req.mfa says so', async () => {
      const h = await start({ mfa: { exempt: (user) => user.id.startsWith('svc-') } });
      const res = await request(h.app).get('/protected').set('X-Test-User', 'svc-backup').expect(200);
      expect(res.body.mfa).toEqual({ userId: 'svc-backup', exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null });
    });
  });

  describe('requireMfa: lockout', () => {
    const start = useApps(makeApp);

    test('wrong inline codes lock the account: 429 mfa_locked with Retry-After and no-store; the right code waits for the lock', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      h.clock.advanceSeconds(30);
      const wrong = wrongCode(secret, h.clock);
      for (let i = 0; i < 2; i += 1) {
        expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong), 401, 'mfa_invalid_code');
      }
      const locked = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong);
      expectProblem(locked, 429, 'mfa_locked');
      expect(locked.headers['retry-after']).toBe('30');
      // Locked: even the right code is refused until the lock ends.
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)), 429, 'mfa_locked');
      h.clock.advanceSeconds(31);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, h.clock)).expect(200);
    });
  });

  describe('requireFreshMfa (step-up) and method requirements', () => {
    const start = useApps(makeApp);

    test('a fresh session passes; an older one gets 401 mfa_stale with max_age, and still passes plain routes', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      h.clock.advanceSeconds(SENSITIVE_MAX_AGE);
      const fresh = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      expect(fresh.body.mfa.userId).toBe('alice');
      h.clock.advanceSeconds(1);
      const stale = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, `max_age=${SENSITIVE_MAX_AGE}`);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    });

    test('using a session does not make it fresh: freshness is the time of the last proof', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      for (let i = 0; i < 4; i += 1) {
        h.clock.advanceSeconds(100);
        await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      }
      expectProblem(await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_stale');
    });

    test('a new proof (inline code) on a stale session passes the step-up and rotates the token', async () => {
      const h = await start();
      const { sessionToken, secret } = await enrollTotp(h, 'alice');
      h.clock.advanceSeconds(SENSITIVE_MAX_AGE + 60);
      const res = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).set('X-MFA-Token', totpCode(secret, h.clock)).expect(200);
      const issued = res.headers['x-session-token'] as string;
      expect(issued).toMatch(/^mfa_/);
      expect(issued).not.toBe(sessionToken);
      await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    });

    test('a route that needs hwk refuses an otp session: 401 mfa_method_required with acr_values', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(res, 401, 'mfa_method_required');
      expectChallenge(res, 'acr_values="phrh"');
    });

    test('without a session, the hwk route asks for MFA first (401 mfa_required)', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const none = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice');
      expectProblem(none, 401, 'mfa_required');
      expectChallenge(none);
    });
  });
}
