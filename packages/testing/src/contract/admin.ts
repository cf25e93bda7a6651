/**
 * Threat: the MFA admin routes of the demos, which strip every factor off an account or exempt it
 * from MFA, used by someone who is not an administrator (or claims the role in a token), or by
 * an administrator without a recent MFA proof; an exemption outliving its expiry; a revoked
 * user's open session still working, or the user not told.
 */
import type { Test } from 'supertest';
import { totpCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, type Enrolled, enrolledUser, expectProblem, login, TEST_JWT_SECRET, useDemo } from './lib/harness';
import { ssoJwt } from './lib/jwt';

const DAY_SECONDS = 24 * 60 * 60;

export function describeAdmin(makeDemo: DemoFactory): void {
  describe('the MFA admin routes at /mfa/admin', () => {
    const demo = useDemo(makeDemo);
    let admin: Enrolled;
    let alice: Enrolled;
    let adminSession = '';
    let bobToken = '';

    beforeAll(async () => {
      bobToken = await login(demo, 'bob');
    });

    /** A request of the administrator, with their current MFA session. */
    const asAdmin = (test: Test) => bearer(test, admin.accessToken).set('X-Session-Token', adminSession);
    /** A new proof of the administrator (a new TOTP step), as after signing in again. */
    const proveAdmin = async () => {
      demo.clock.advanceSeconds(30);
      const res = await bearer(demo.http.post('/mfa/verify'), admin.accessToken).send({ code: totpCode(admin.secret, demo.clock) });
      expect(res.status).toBe(200);
      adminSession = res.body.sessionToken;
    };
    const profile = (token: string, sessionToken?: string) => {
      const test = bearer(demo.http.get('/api/profile'), token);
      return sessionToken === undefined ? test : test.set('X-Session-Token', sessionToken);
    };
    const grant = (days: number) => ({ reason: 'contractor', expiresAt: new Date(demo.clock.now() + days * DAY_SECONDS * 1000).toISOString() });

    test('bob, who is not an administrator, gets 403 forbidden on every admin route', async () => {
      const as = (test: Test) => bearer(test, bobToken);
      expectProblem(await as(demo.http.get('/mfa/admin/report')), 403, 'forbidden');
      expectProblem(await as(demo.http.put('/mfa/admin/users/bob/exemption')).send(grant(7)), 403, 'forbidden');
      expectProblem(await as(demo.http.delete('/mfa/admin/users/bob/exemption')), 403, 'forbidden');
      expectProblem(await as(demo.http.delete('/mfa/admin/users/alice/factors')), 403, 'forbidden');
    });

    test("a token claiming the admin role does not make bob one: roles come from the demo's user table", async () => {
      const forged = ssoJwt('bob', { roles: ['admin'], amr: ['pwd', 'mfa'], auth_time: Math.floor(demo.clock.now() / 1000) }, TEST_JWT_SECRET);
      expectProblem(await bearer(demo.http.get('/mfa/admin/report'), forged), 403, 'forbidden');
      expect((await bearer(demo.http.get('/api/me'), forged)).body).toEqual({ id: 'bob', roles: ['staff'] });
    });

    test('the administrator needs a factor of their own first: 403 mfa_enrollment_required', async () => {
      expectProblem(await bearer(demo.http.get('/mfa/admin/report'), await login(demo, 'admin')), 403, 'mfa_enrollment_required');
    });

    test('the administrator, enrolled, without an MFA session: 401 mfa_required with the RFC 9470 challenge', async () => {
      admin = await enrolledUser(demo, 'admin');
      adminSession = admin.sessionToken;
      alice = await enrolledUser(demo, 'alice');
      const res = await bearer(demo.http.get('/mfa/admin/report'), admin.accessToken);
      expectProblem(res, 401, 'mfa_required');
      expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
      // Nor does alice's session stand in for the administrator's.
      expectProblem(await bearer(demo.http.get('/mfa/admin/report'), admin.accessToken).set('X-Session-Token', alice.sessionToken), 401, 'mfa_required');
    });

    test('GET /mfa/admin/report lists every demo user with their state, and the totals', async () => {
      const res = await asAdmin(demo.http.get('/mfa/admin/report'));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.users.map((user: { userId: string }) => user.userId)).toEqual(['admin', 'alice', 'bob', 'carol', 'svc-reports']);
      const row = (userId: string) => res.body.users.find((user: { userId: string }) => user.userId === userId);
      expect(row('admin')).toMatchObject({ required: true, enrolled: true, exempt: false, exemption: null, factors: [{ id: admin.factorId, kind: 'totp' }], lastVerifiedAt: expect.any(Number) });
      expect(row('alice')).toMatchObject({ required: true, enrolled: true, exempt: false, factors: [{ id: alice.factorId, kind: 'totp' }] });
      expect(row('bob')).toEqual({ userId: 'bob', required: true, enrolled: false, exempt: false, exemption: null, factors: [], lastVerifiedAt: null });
      expect(row('svc-reports')).toMatchObject({ required: false, enrolled: false, exempt: true, exemption: null });
      expect(res.body.totals).toEqual({ users: 5, required: 4, enrolled: 2, exempt: 1, missing: 2 });
      expect(JSON.stringify(res.body)).not.toContain(admin.secret);
    });

    test('an unknown admin route is 404 not_found, and the enrollment router beside it still answers', async () => {
      expectProblem(await asAdmin(demo.http.get('/mfa/admin/nope')), 404, 'not_found');
      expect((await asAdmin(demo.http.get('/mfa'))).body).toMatchObject({ userId: 'admin', enrolled: true });
    });

    test('PUT /mfa/admin/users/bob/exemption: bob passes the protected route without a factor, until it expires', async () => {
      const body = grant(7);
      const res = await asAdmin(demo.http.put('/mfa/admin/users/bob/exemption')).send(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ userId: 'bob', exemption: { reason: 'contractor', expiresAt: Date.parse(body.expiresAt), grantedBy: 'admin', grantedAt: demo.clock.now() } });
      const passed = await profile(bobToken);
      expect(passed.status).toBe(200);
      expect(passed.body.mfa).toMatchObject({ userId: 'bob', exempt: true, factorId: null });
      const report = await asAdmin(demo.http.get('/mfa/admin/report'));
      expect(report.body.users.find((user: { userId: string }) => user.userId === 'bob')).toMatchObject({ exempt: true, exemption: { reason: 'contractor' } });
    });

    test('a malformed exemption is 400 invalid_request: no reason, a past or a far expiry', async () => {
      const put = (body: unknown) => asAdmin(demo.http.put('/mfa/admin/users/carol/exemption')).send(body as object);
      expectProblem(await put({ expiresAt: grant(7).expiresAt }), 400, 'invalid_request');
      expectProblem(await put({ reason: 'contractor', expiresAt: new Date(demo.clock.now() - 1000).toISOString() }), 400, 'invalid_request');
      expectProblem(await put(grant(400)), 400, 'invalid_request');
      expectProblem(await profile(await login(demo, 'carol')), 403, 'mfa_enrollment_required');
    });

    test('DELETE /mfa/admin/users/carol/exemption lifts one: 204, and carol must enroll again', async () => {
      const carol = await login(demo, 'carol');
      expect((await asAdmin(demo.http.put('/mfa/admin/users/carol/exemption')).send(grant(1))).status).toBe(200);
      expect((await profile(carol)).status).toBe(200);
      expect((await asAdmin(demo.http.delete('/mfa/admin/users/carol/exemption'))).status).toBe(204);
      expectProblem(await profile(carol), 403, 'mfa_enrollment_required');
      expectProblem(await asAdmin(demo.http.delete('/mfa/admin/users/carol/exemption')), 404, 'not_found');
    });

    test("once the clock passes the exemption's expiry, bob gets 403 mfa_enrollment_required again", async () => {
      demo.clock.advanceSeconds(7 * DAY_SECONDS - 60);
      expect((await profile(bobToken)).status).toBe(200);
      demo.clock.advanceSeconds(61);
      expectProblem(await profile(bobToken), 403, 'mfa_enrollment_required');
    });

    test("the administrator's session has lapsed meanwhile: 401 mfa_required until a new proof", async () => {
      expectProblem(await asAdmin(demo.http.get('/mfa/admin/report')), 401, 'mfa_required');
      await proveAdmin();
      expect((await asAdmin(demo.http.get('/mfa/admin/report'))).status).toBe(200);
    });

    test('a proof older than five minutes is stale for the admin routes: 401 mfa_stale with max_age=300', async () => {
      demo.clock.advanceSeconds(301);
      const res = await asAdmin(demo.http.get('/mfa/admin/report'));
      expectProblem(res, 401, 'mfa_stale');
      expect(res.headers['www-authenticate']).toMatch(new RegExp(`${CHALLENGE.source}, max_age=300$`));
      await proveAdmin();
    });

    test("DELETE /mfa/admin/users/alice/factors ends alice's open session; she must enroll again, and is told", async () => {
      demo.clock.advanceSeconds(30);
      const verified = await bearer(demo.http.post('/mfa/verify'), alice.accessToken).send({ code: totpCode(alice.secret, demo.clock) });
      expect(verified.status).toBe(200);
      const aliceSession = verified.body.sessionToken as string;
      expect((await profile(alice.accessToken, aliceSession)).status).toBe(200);

      demo.clock.advanceSeconds(1); // the core voids sessions made up to the revocation's millisecond
      const res = await asAdmin(demo.http.delete('/mfa/admin/users/alice/factors'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ factorsRemoved: 1 });

      expectProblem(await profile(alice.accessToken, aliceSession), 403, 'mfa_enrollment_required');
      const notices = await bearer(demo.http.get('/api/notifications'), alice.accessToken);
      expect(notices.body.notices[0]).toEqual({ type: 'factors.revoked', userId: 'alice', at: demo.clock.now(), count: 1 });
      expect(demo.infos).toContain('notice for alice: factors.revoked (1 factor)');
      const report = await asAdmin(demo.http.get('/mfa/admin/report'));
      expect(report.body.users.find((user: { userId: string }) => user.userId === 'alice')).toMatchObject({ enrolled: false, factors: [] });
    });

    test('after the revocation alice enrolls again and her new session works', async () => {
      demo.clock.advanceSeconds(1);
      const again = await enrolledUser(demo, 'alice');
      expect((await profile(again.accessToken, again.sessionToken)).status).toBe(200);
    });
  });
}
