// Threat: someone without the primary credential reaches the MFA routes or the API, or tells
// real usernames from made-up ones by the answer. Every refusal is a 401 problem with a stable
// code, never passport's plain-text "Unauthorized".
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { jwtKey } from '@mfakit/example-shared';
import { demo, expectProblem, login, TEST_JWT_SECRET } from './helpers';

describe('POST /auth/login and the JWT gate', () => {
  const { app, errors } = demo();

  test('the right password gives an HS256 JWT for the user, valid one hour', async () => {
    const res = await request(app).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const decoded = jwt.decode(res.body.accessToken, { complete: true }) as jwt.Jwt & { payload: jwt.JwtPayload };
    expect(decoded.header.alg).toBe('HS256');
    expect(decoded.payload.sub).toBe('alice');
    expect(decoded.payload.exp! - decoded.payload.iat!).toBe(3600);
    expect(() => jwt.verify(res.body.accessToken, jwtKey(TEST_JWT_SECRET), { algorithms: ['HS256'] })).not.toThrow();
  });

  test('a wrong password and an unknown user get the same 401 invalid_credentials', async () => {
    const wrong = await request(app).post('/auth/login').send({ username: 'alice', password: 'bob-password' });
    const unknown = await request(app).post('/auth/login').send({ username: 'mallory', password: 'alice-password' });
    expectProblem(wrong, 401, 'invalid_credentials');
    expectProblem(unknown, 401, 'invalid_credentials');
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  test.each(['/mfa', '/api/profile'])('GET %s without a token is a 401 authentication_required problem', async (path) => {
    const res = await request(app).get(path);
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test('POST /api/transfers without a token is refused before the body is even read', async () => {
    const res = await request(app).post('/api/transfers').send({ amount: 10, to: 'bob' });
    expectProblem(res, 401, 'authentication_required');
  });

  test('an expired token is refused with a detail that says so', async () => {
    const iat = Math.floor(Date.now() / 1000) - 7200;
    const expired = jwt.sign({ iat }, jwtKey(TEST_JWT_SECRET), { algorithm: 'HS256', subject: 'alice', expiresIn: 3600 });
    const res = await request(app).get('/mfa').auth(expired, { type: 'bearer' });
    expectProblem(res, 401, 'authentication_required');
    expect(res.body.detail).toMatch(/expired/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test.each([
    ['signed with another secret', () => jwt.sign({}, 'another-secret-another-secret-another', { algorithm: 'HS256', subject: 'alice', expiresIn: 60 })],
    ['with alg none', () => jwt.sign({ sub: 'alice' }, null as unknown as string, { algorithm: 'none' })],
    ['with another HMAC algorithm', () => jwt.sign({}, jwtKey(TEST_JWT_SECRET), { algorithm: 'HS512', subject: 'alice', expiresIn: 60 })],
    ['for a user who does not exist', () => jwt.sign({}, jwtKey(TEST_JWT_SECRET), { algorithm: 'HS256', subject: 'mallory', expiresIn: 60 })],
    ['without a subject', () => jwt.sign({}, jwtKey(TEST_JWT_SECRET), { algorithm: 'HS256', expiresIn: 60 })],
    ['that is not a JWT', () => 'not.a.jwt'],
  ])('a token %s is refused', async (_name, token) => {
    const res = await request(app).get('/api/profile').auth(token(), { type: 'bearer' });
    expectProblem(res, 401, 'authentication_required');
  });

  test('a valid token passes the gate (and meets mfakit next)', async () => {
    const token = await login(app, 'bob');
    const res = await request(app).get('/mfa').auth(token, { type: 'bearer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'bob', required: true, enrolled: false });
  });

  afterAll(() => expect(errors).toEqual([]));
});
