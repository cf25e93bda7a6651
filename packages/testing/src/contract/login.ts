/**
 * Threat: someone without the primary credential reaches the MFA routes or the API, or tells real
 * usernames from made-up ones by the answer. Every refusal is a 401 problem with a stable code,
 * never a framework's plain-text "Unauthorized".
 */
import type { DemoFactory } from './types';
import { bearer, expectProblem, login, PASSWORDS, ROLES, TEST_JWT_SECRET, useDemo } from './lib/harness';
import { claimsFor, decodeJwt, signJwt } from './lib/jwt';

export function describeLogin(makeDemo: DemoFactory): void {
  describe('POST /auth/login and the JWT gate', () => {
    const demo = useDemo(makeDemo);

    test('the right password gives an HS256 JWT for the user, valid one hour, saying a password was used and when', async () => {
      const res = await demo.http.post('/auth/login').send({ username: 'alice', password: 'alice-password' });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
      const { header, claims, validHs256 } = decodeJwt(res.body.accessToken, TEST_JWT_SECRET);
      expect(header.alg).toBe('HS256');
      expect(claims.sub).toBe('alice');
      expect(claims.amr).toEqual(['pwd']);
      expect(claims.auth_time).toBe(Math.floor(demo.clock.now() / 1000));
      expect(claims).not.toHaveProperty('roles');
      expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
      expect(validHs256).toBe(true);
    });

    test('a wrong password and an unknown user get the same 401 invalid_credentials', async () => {
      const wrong = await demo.http.post('/auth/login').send({ username: 'alice', password: 'bob-password' });
      const unknown = await demo.http.post('/auth/login').send({ username: 'mallory', password: 'alice-password' });
      expectProblem(wrong, 401, 'invalid_credentials');
      expectProblem(unknown, 401, 'invalid_credentials');
      expect(unknown.body.detail).toBe(wrong.body.detail);
    });

    test.each(['/mfa', '/api/profile', '/api/me', '/api/notifications', '/api/outbox', '/mfa/admin/report'])('GET %s without a token is a 401 authentication_required problem', async (path) => {
      const res = await demo.http.get(path);
      expectProblem(res, 401, 'authentication_required');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    test('POST /api/transfers without a token is refused before the body is even read', async () => {
      const res = await demo.http.post('/api/transfers').send({ amount: 10, to: 'bob' });
      expectProblem(res, 401, 'authentication_required');
    });

    test('an expired token is refused with a detail that says so', async () => {
      const expired = signJwt(claimsFor('alice', 3600, Math.floor(Date.now() / 1000) - 7200), TEST_JWT_SECRET);
      const res = await bearer(demo.http.get('/mfa'), expired);
      expectProblem(res, 401, 'authentication_required');
      expect(res.body.detail).toMatch(/expired/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    test.each([
      ['signed with another secret', () => signJwt(claimsFor('alice', 60), 'another-secret-another-secret-another')],
      ['with alg none', () => signJwt({ sub: 'alice' }, '', 'none')],
      ['with another HMAC algorithm', () => signJwt(claimsFor('alice', 60), TEST_JWT_SECRET, 'HS512')],
      ['for a user who does not exist', () => signJwt(claimsFor('mallory', 60), TEST_JWT_SECRET)],
      ['without a subject', () => signJwt(claimsFor(undefined, 60), TEST_JWT_SECRET)],
      ['that is not a JWT', () => 'not.a.jwt'],
    ])('a token %s is refused', async (_name, token) => {
      const res = await bearer(demo.http.get('/api/profile'), token());
      expectProblem(res, 401, 'authentication_required');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    test.each(Object.keys(PASSWORDS))('GET /api/me needs no MFA and names %s with the roles of the user table', async (username) => {
      const res = await bearer(demo.http.get('/api/me'), await login(demo, username));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ id: username, roles: ROLES[username] });
    });

    test('a valid token passes the gate (and meets mfakit next)', async () => {
      const token = await login(demo, 'bob');
      const res = await bearer(demo.http.get('/mfa'), token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ userId: 'bob', required: true, enrolled: false });
    });
  });
}
