/**
 * Threat: a token from the SSO in front of the demo is trusted for more than it says: an `amr`
 * without 'mfa', a malformed or missing `auth_time`, an old MFA for a sensitive action, a token
 * signed with another key or naming no demo user. Only an HS256 token signed with the demo's
 * secret, for a demo user, with `amr` 'mfa' and a well-formed `auth_time` counts as an MFA proof,
 * made at that time (`policy.trustedAmr`).
 */
import type { Test } from 'supertest';
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, enrolledUser, expectProblem, TEST_JWT_SECRET, useDemo } from './lib/harness';
import { claimsFor, signJwt, ssoJwt } from './lib/jwt';

const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000; // the core's default session.lifetime ('12h')

export function describeSso(makeDemo: DemoFactory): void {
  describe("an SSO's token that says MFA was done (amr 'mfa', auth_time)", () => {
    const demo = useDemo(makeDemo);
    const nowSeconds = () => Math.floor(demo.clock.now() / 1000);
    /** alice's SSO token with these claims besides `sub` and the expiry. */
    const sso = (extra: Record<string, unknown>, sub = 'alice') => ssoJwt(sub, extra, TEST_JWT_SECRET);
    const profile = (token: string) => bearer(demo.http.get('/api/profile'), token);
    const transfer = (token: string): Test => bearer(demo.http.post('/api/transfers'), token).send({ amount: 25, to: 'bob' });

    test('with a recent auth_time it passes the protected route with no MFA session and no factor: factorId upstream', async () => {
      const authTime = nowSeconds();
      const res = await profile(sso({ amr: ['pwd', 'mfa'], auth_time: authTime }));
      expect(res.status).toBe(200);
      expect(res.headers['x-session-token']).toBeUndefined();
      expect(res.body).toEqual({
        user: { id: 'alice' },
        // Only the trusted value counts as a proved method: 'pwd' is the SSO's word, not a proof here.
        mfa: { userId: 'alice', exempt: false, amr: ['mfa'], authTime: authTime * 1000, expiresAt: authTime * 1000 + SESSION_LIFETIME_MS, factorId: 'upstream' },
      });
    });

    test('the step-up route passes while auth_time is within freshMaxAgeSeconds, and then answers 401 mfa_stale with the RFC 9470 challenge', async () => {
      const token = sso({ amr: ['pwd', 'mfa'], auth_time: nowSeconds() });
      expect((await transfer(token)).status).toBe(201);
      demo.clock.advanceSeconds(301);
      const res = await transfer(token);
      expectProblem(res, 401, 'mfa_stale');
      expect(res.headers['www-authenticate']).toMatch(new RegExp(`${CHALLENGE.source}, max_age=300$`));
      // The same token still opens the ordinary protected route: only the step-up needs a fresh proof.
      expect((await profile(token)).status).toBe(200);
    });

    test('a token with an auth_time older than freshMaxAgeSeconds is stale from the start', async () => {
      const res = await transfer(sso({ amr: ['pwd', 'mfa'], auth_time: nowSeconds() - 301 }));
      expectProblem(res, 401, 'mfa_stale');
      expect(res.headers['www-authenticate']).toMatch(/max_age=300$/);
    });

    test("amr ['pwd'] alone is no MFA: 403 mfa_enrollment_required without a factor", async () => {
      expectProblem(await profile(sso({ amr: ['pwd'], auth_time: nowSeconds() })), 403, 'mfa_enrollment_required');
    });

    test.each<[string, (now: number) => Record<string, unknown>]>([
      ['without auth_time', () => ({ amr: ['pwd', 'mfa'] })],
      ['with auth_time as a string', () => ({ amr: ['pwd', 'mfa'], auth_time: 'now' })],
      ['with auth_time zero', () => ({ amr: ['pwd', 'mfa'], auth_time: 0 })],
      ['with amr a string, not a list', (now) => ({ amr: 'mfa', auth_time: now })],
      ['with a number among the amr values', (now) => ({ amr: ['mfa', 1], auth_time: now })],
      ['with an auth_time older than the session lifetime', (now) => ({ amr: ['pwd', 'mfa'], auth_time: now - SESSION_LIFETIME_MS / 1000 })],
    ])('a token %s is no MFA proof (the claim is dropped), yet passes the JWT gate', async (_name, claims) => {
      const token = sso(claims(nowSeconds()), 'carol');
      expectProblem(await profile(token), 403, 'mfa_enrollment_required');
      expect((await bearer(demo.http.get('/api/me'), token)).status).toBe(200);
    });

    test("for a user with a factor, amr ['pwd'] asks for the factor: 401 mfa_required", async () => {
      const bob = await enrolledUser(demo, 'bob');
      const res = await profile(sso({ amr: ['pwd'], auth_time: nowSeconds() }, 'bob'));
      expectProblem(res, 401, 'mfa_required');
      expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
      // ... and his SSO's MFA passes as it does for a user without a factor.
      expect((await profile(sso({ amr: ['pwd', 'mfa'], auth_time: nowSeconds() }, 'bob'))).body.mfa).toMatchObject({ userId: 'bob', factorId: 'upstream' });
      expect(bob.factorId).not.toBe('upstream');
    });

    test.each<[string, () => string]>([
      ['signed with another secret', () => ssoJwt('alice', { amr: ['pwd', 'mfa'], auth_time: nowSeconds() }, 'another-secret-another-secret-another')],
      ['with another HMAC algorithm', () => signJwt({ ...claimsFor('alice', 3600), amr: ['pwd', 'mfa'], auth_time: nowSeconds() }, TEST_JWT_SECRET, 'HS512')],
      ['for a user who does not exist', () => sso({ amr: ['pwd', 'mfa'], auth_time: nowSeconds() }, 'mallory')],
    ])("a token with amr 'mfa' %s is refused: 401 authentication_required", async (_name, token) => {
      for (const res of [await profile(token()), await transfer(token()), await bearer(demo.http.get('/api/me'), token())]) {
        expectProblem(res, 401, 'authentication_required');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      }
    });
  });
}
