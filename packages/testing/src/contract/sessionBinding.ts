/**
 * Threat: an MFA session token stolen from one user (or handed over) is presented together with
 * another user's primary credential. A session belongs to exactly one user; another user's
 * request carrying it is refused and cannot end it.
 */
import { totpCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, type Enrolled, enrolledUser, expectProblem, useDemo } from './lib/harness';

export function describeSessionBinding(makeDemo: DemoFactory): void {
  describe("another user's MFA session", () => {
    const demo = useDemo(makeDemo);
    let alice: Enrolled;
    let bob: Enrolled;

    beforeAll(async () => {
      alice = await enrolledUser(demo, 'alice');
      bob = await enrolledUser(demo, 'bob');
    });

    test("bob's JWT with alice's session token is refused on the protected route", async () => {
      const res = await bearer(demo.http.get('/api/profile'), bob.accessToken).set('X-Session-Token', alice.sessionToken);
      expectProblem(res, 401, 'mfa_required');
      expect(res.body.detail).toMatch(/not valid for this user/);
    });

    test("bob's JWT with alice's session token is refused on the step-up route", async () => {
      const res = await bearer(demo.http.post('/api/transfers'), bob.accessToken).set('X-Session-Token', alice.sessionToken).send({ amount: 1, to: 'bob' });
      expectProblem(res, 401, 'mfa_required');
    });

    test("the status of bob does not show alice's session", async () => {
      const res = await bearer(demo.http.get('/mfa'), bob.accessToken).set('X-Session-Token', alice.sessionToken);
      expect(res.body).toMatchObject({ userId: 'bob', session: null });
    });

    test("bob cannot end alice's session", async () => {
      const ended = await bearer(demo.http.delete('/mfa/session'), bob.accessToken).set('X-Session-Token', alice.sessionToken);
      expect(ended.status).toBe(204);
      const res = await bearer(demo.http.get('/api/profile'), alice.accessToken).set('X-Session-Token', alice.sessionToken);
      expect(res.status).toBe(200);
    });

    test("alice's authenticator code is no inline proof for bob", async () => {
      demo.clock.advanceSeconds(30);
      const res = await bearer(demo.http.get('/api/profile'), bob.accessToken).set('X-MFA-Token', totpCode(alice.secret, demo.clock));
      expectProblem(res, 401, 'mfa_invalid_code');
    });

    test("alice's session token in the cookie is refused for bob too", async () => {
      const res = await bearer(demo.http.get('/api/profile'), bob.accessToken).set('Cookie', `mfa_session=${alice.sessionToken}`);
      expectProblem(res, 401, 'mfa_required');
    });
  });
}
