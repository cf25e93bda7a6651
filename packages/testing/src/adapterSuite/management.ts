/**
 * Threat: someone holding only the primary credential (or a stale MFA session) reads secrets
 * from the status route, regenerates the recovery codes, removes a factor, or keeps using an
 * ended session. GET /mfa never shows a secret; POST /mfa/recovery-codes and
 * DELETE /mfa/factors/:id need a fresh MFA proof; DELETE /mfa/session ends the session for good.
 */
import request from 'supertest';
import { enrolledStatus, enrollTotp, expectChallenge, expectProblem, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

export function describeManagement(makeApp: AdapterAppFactory): void {
  describe('GET /mfa', () => {
    const start = useApps(makeApp);

    test('a new user: required, not enrolled, no factors, no session; JSON, no-store', async () => {
      const h = await start();
      const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({ userId: 'alice', required: true, exempt: false, exemption: null, enrollBy: null, enrolled: false, factors: [], recoveryCodesRemaining: 0, session: null });
    });

    test('an enrolled user with a session: factors without secrets, codes left, the session', async () => {
      const h = await start();
      const created = h.clock.now();
      const { factorId, secret, sessionToken, recoveryCodes } = await enrollTotp(h, 'alice');
      const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      expect(res.body).toEqual(
        enrolledStatus({
          factors: [{ id: factorId, kind: 'totp', label: 'Authenticator app', createdAt: created }],
          session: { amr: ['otp'], authTime: created, expiresAt: created + 12 * 3600_000, factorId },
        }),
      );
      const text = JSON.stringify(res.body);
      for (const hidden of [secret, sessionToken, ...recoveryCodes]) expect(text).not.toContain(hidden);
      // Without the token, the same user sees no session.
      expect((await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200)).body.session).toBeNull();
    });

    test('an exempt user is reported as exempt and not required', async () => {
      const h = await start({ mfa: { exempt: (user) => user.id === 'svc-reports' } });
      const res = await request(h.app).get('/mfa').set('X-Test-User', 'svc-reports').expect(200);
      expect(res.body).toMatchObject({ required: false, exempt: true });
    });
  });

  describe('POST /mfa/recovery-codes', () => {
    const start = useApps(makeApp);

    test('fresh MFA: 200 with a new set of ten; the old set is void, the new one works', async () => {
      const h = await start();
      const { sessionToken, recoveryCodes: old } = await enrollTotp(h, 'alice');
      const res = await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['recoveryCodes']);
      expect(res.body.recoveryCodes).toHaveLength(10);
      expect(res.body.recoveryCodes.filter((c: string) => old.includes(c))).toEqual([]);
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: old[0] }), 401, 'mfa_invalid_code');
      const used = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: res.body.recoveryCodes[0] }).expect(200);
      expect(used.body.recoveryCodesRemaining).toBe(9);
    });

    test('no session: 401 mfa_required; a stale one: 401 mfa_stale with max_age=300', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const none = await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice');
      expectProblem(none, 401, 'mfa_required');
      expectChallenge(none);
      h.clock.advanceSeconds(301);
      const stale = await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, 'max_age=300');
    });

    test('an exempt user still needs a proof (exemption does not stand in for fresh MFA)', async () => {
      const h = await start({ mfa: { exempt: (user) => user.id === 'svc' } });
      await enrollTotp(h, 'svc');
      expectProblem(await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'svc'), 401, 'mfa_required');
    });

    test('a user without factors: 403 mfa_enrollment_required', async () => {
      const h = await start();
      expectProblem(await request(h.app).post('/mfa/recovery-codes').set('X-Test-User', 'alice'), 403, 'mfa_enrollment_required');
    });
  });

  describe('DELETE /mfa/factors/:factorId', () => {
    const start = useApps(makeApp);

    test('fresh MFA: 204 without a body or type, no-store; the factor is gone', async () => {
      const h = await start({ mfa: { policy: { required: () => false } } }); // opted in: the last factor may go
      const { factorId, sessionToken } = await enrollTotp(h, 'alice');
      const res = await request(h.app).delete(`/mfa/factors/${factorId}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.text).toBe('');
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(status.body).toMatchObject({ enrolled: false, factors: [] });
      expect(h.events.map((e) => e.type)).toContain('factor.removed');
    });

    test("an unknown id or another user's factor: 404 factor_not_found, and the factor stays", async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      const bob = await enrollTotp(h, 'bob');
      for (const id of ['fac_unknown', bob.factorId]) {
        expectProblem(await request(h.app).delete(`/mfa/factors/${id}`).set('X-Test-User', 'alice').set('X-Session-Token', alice.sessionToken), 404, 'factor_not_found');
      }
      expect((await request(h.app).get('/mfa').set('X-Test-User', 'bob').expect(200)).body.factors).toHaveLength(1);
    });

    test('no session: 401 mfa_required; stale: 401 mfa_stale; the factor stays', async () => {
      const h = await start();
      const { factorId, sessionToken } = await enrollTotp(h, 'alice');
      expectProblem(await request(h.app).delete(`/mfa/factors/${factorId}`).set('X-Test-User', 'alice'), 401, 'mfa_required');
      h.clock.advanceSeconds(301);
      const stale = await request(h.app).delete(`/mfa/factors/${factorId}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, 'max_age=300');
      expect((await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200)).body.factors).toHaveLength(1);
    });

    test('a user without factors: 403 mfa_enrollment_required', async () => {
      const h = await start();
      expectProblem(await request(h.app).delete('/mfa/factors/fac_x').set('X-Test-User', 'alice'), 403, 'mfa_enrollment_required');
    });
  });

  describe('DELETE /mfa/session', () => {
    const start = useApps(makeApp);

    test('204, no body, no-store; the token stops working everywhere', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const res = await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toBe('');
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
      expect((await request(h.app).get('/mfa').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200)).body.session).toBeNull();
    });

    test('ends the session carried in the cookie too (from a caller a cross-site form cannot be); idempotent without a session', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      // A bare DELETE with the cookie could be forged cross-site: the cookie is not read, nothing ends.
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('Cookie', `mfa_session=${sessionToken}`).expect(204);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('Cookie', `mfa_session=${sessionToken}`).set('X-Requested-With', 'XMLHttpRequest').expect(204);
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').expect(204);
    });

    test("another user cannot end someone else's session with its token", async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      await request(h.app).delete('/mfa/session').set('X-Test-User', 'mallory').set('X-Session-Token', alice.sessionToken).expect(204);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', alice.sessionToken).expect(200);
    });
  });
}
