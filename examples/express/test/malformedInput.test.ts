// Threat: input the code never expected (broken JSON, wrong types, arrays, huge values, unknown
// ids and routes, overlong headers) crashes a handler, answers with an HTML stack trace, or slips
// past a check. Every such request gets a 4xx application/problem+json with a stable code, and
// nothing reaches the error log (a 500 would).
import request, { type Test } from 'supertest';
import { demo, type Enrolled, enrolledUser, expectProblem } from './helpers';

const { app, clock, errors } = demo();
let alice: Enrolled;

beforeAll(async () => {
  alice = await enrolledUser(app, clock, 'alice');
});

const json = (test: Test, body: string) => test.set('Content-Type', 'application/json').send(body);
const asAlice = (test: Test) => test.auth(alice.accessToken, { type: 'bearer' });
const withSession = (test: Test) => asAlice(test).set('X-Session-Token', alice.sessionToken);
const HUGE = 'x'.repeat(10_000); // under the 16 KB body limit, far over every field's limit
const OVER_LIMIT = 'x'.repeat(20_000); // over the 16 KB body limit

type Case = [name: string, send: () => Test, status: number, code: string];

describe('POST /auth/login', () => {
  const login = () => request(app).post('/auth/login');
  test.each<Case>([
    ['broken JSON', () => json(login(), '{"username": "alice",'), 400, 'invalid_request'],
    ['a JSON null', () => json(login(), 'null'), 400, 'invalid_request'],
    ['an array', () => login().send([{ username: 'alice', password: 'alice-password' }]), 400, 'invalid_request'],
    ['numbers for strings', () => login().send({ username: 1, password: 2 }), 400, 'invalid_request'],
    ['an object for the username', () => login().send({ username: { $ne: null }, password: 'x' }), 400, 'invalid_request'],
    ['a missing password', () => login().send({ username: 'alice' }), 400, 'invalid_request'],
    ['empty strings', () => login().send({ username: '', password: '' }), 400, 'invalid_request'],
    ['a huge username', () => login().send({ username: HUGE, password: 'alice-password' }), 400, 'invalid_request'],
    ['a huge password', () => login().send({ username: 'alice', password: HUGE }), 400, 'invalid_request'],
    ['fields hidden in __proto__', () => json(login(), '{"__proto__": {"username": "alice", "password": "alice-password"}}'), 400, 'invalid_request'],
    ['a body over the limit', () => login().send({ username: 'alice', password: OVER_LIMIT }), 413, 'payload_too_large'],
    ['a form instead of JSON', () => login().type('form').send('username=alice&password=alice-password'), 415, 'unsupported_media_type'],
    ['an unsupported charset', () => login().set('Content-Type', 'application/json; charset=latin-9').send('{}'), 415, 'unsupported_media_type'],
    ['no body at all', () => login(), 400, 'invalid_request'],
  ])('%s', async (_name, send, status, code) => expectProblem(await send(), status, code));
});

describe('the /mfa routes', () => {
  test.each<Case>([
    ['verify: broken JSON', () => json(asAlice(request(app).post('/mfa/verify')), '{"code": '), 400, 'invalid_request'],
    ['verify: a number for the code', () => asAlice(request(app).post('/mfa/verify')).send({ code: 123456 }), 400, 'invalid_request'],
    ['verify: an array', () => asAlice(request(app).post('/mfa/verify')).send(['123456']), 400, 'invalid_request'],
    ['verify: both a code and a recovery code', () => asAlice(request(app).post('/mfa/verify')).send({ code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }), 400, 'invalid_request'],
    ['verify: an unknown field', () => asAlice(request(app).post('/mfa/verify')).send({ code: '123456', remember: true }), 400, 'invalid_request'],
    ['verify: a huge code', () => asAlice(request(app).post('/mfa/verify')).send({ code: HUGE }), 400, 'invalid_request'],
    ['verify: a huge recovery code', () => asAlice(request(app).post('/mfa/verify')).send({ recoveryCode: HUGE }), 400, 'invalid_request'],
    ['verify: a body over the limit', () => asAlice(request(app).post('/mfa/verify')).send({ code: OVER_LIMIT }), 413, 'payload_too_large'],
    ['enroll: a number for the label', () => withSession(request(app).post('/mfa/totp')).send({ label: 5 }), 400, 'invalid_request'],
    ['confirm: an unknown factor id', () => asAlice(request(app).post('/mfa/totp/fac_doesnotexist/confirm')).send({ code: '123456' }), 404, 'enrollment_not_found'],
    ['confirm: an overlong factor id', () => asAlice(request(app).post(`/mfa/totp/${'f'.repeat(200)}/confirm`)).send({ code: '123456' }), 400, 'invalid_request'],
    ['confirm: a code of the wrong type', () => asAlice(request(app).post(`/mfa/totp/${alice.factorId}/confirm`)).send({ code: ['123456'] }), 400, 'invalid_request'],
    ['confirm: bad percent-encoding in the id', () => asAlice(request(app).post('/mfa/totp/%E0%A4%A/confirm')).send({ code: '123456' }), 400, 'invalid_request'],
    ['remove: an unknown factor id', () => withSession(request(app).delete('/mfa/factors/fac_doesnotexist')), 404, 'factor_not_found'],
    ['remove: an overlong factor id', () => withSession(request(app).delete(`/mfa/factors/${'f'.repeat(200)}`)), 400, 'invalid_request'],
    ['an unknown route under /mfa', () => asAlice(request(app).post('/mfa/sms')), 404, 'not_found'],
  ])('%s', async (_name, send, status, code) => expectProblem(await send(), status, code));
});

describe('POST /api/transfers', () => {
  const transfer = () => withSession(request(app).post('/api/transfers'));
  test.each<Case>([
    ['broken JSON', () => json(transfer(), '{"amount": 10, "to": '), 400, 'invalid_request'],
    ['a string amount', () => transfer().send({ amount: '10', to: 'bob' }), 400, 'invalid_request'],
    ['a negative amount', () => transfer().send({ amount: -5, to: 'bob' }), 400, 'invalid_request'],
    ['a zero amount', () => transfer().send({ amount: 0, to: 'bob' }), 400, 'invalid_request'],
    ['fractions of a cent', () => transfer().send({ amount: 0.001, to: 'bob' }), 400, 'invalid_request'],
    ['an amount beyond any double', () => json(transfer(), '{"amount": 1e400, "to": "bob"}'), 400, 'invalid_request'],
    ['a number for the recipient', () => transfer().send({ amount: 10, to: 42 }), 400, 'invalid_request'],
    ['a huge recipient', () => transfer().send({ amount: 10, to: HUGE }), 400, 'invalid_request'],
    ['an unknown field', () => transfer().send({ amount: 10, to: 'bob', from: 'carol' }), 400, 'invalid_request'],
    ['an array', () => transfer().send([{ amount: 10, to: 'bob' }]), 400, 'invalid_request'],
    ['a body over the limit', () => transfer().send({ amount: 10, to: OVER_LIMIT }), 413, 'payload_too_large'],
    ['text instead of JSON', () => transfer().type('text').send('amount=10'), 415, 'unsupported_media_type'],
  ])('%s', async (_name, send, status, code) => expectProblem(await send(), status, code));
});

describe('unknown routes and overlong headers', () => {
  test.each<Case>([
    ['GET /api/nope', () => request(app).get('/api/nope'), 404, 'not_found'],
    ['DELETE /api/profile', () => asAlice(request(app).delete('/api/profile')), 404, 'not_found'],
    ['GET /auth/login', () => request(app).get('/auth/login'), 404, 'not_found'],
    ['a path escaping the public folder', () => request(app).get('/../package.json'), 404, 'not_found'],
    ['bad percent-encoding in a static path', () => request(app).get('/%E0%A4%A'), 404, 'not_found'],
    ['an 8 KB bearer token', () => request(app).get('/api/profile').set('Authorization', `Bearer ${'a'.repeat(8000)}`), 401, 'authentication_required'],
    ['an 8 KB X-Session-Token', () => asAlice(request(app).get('/api/profile')).set('X-Session-Token', `mfa_${'a'.repeat(8000)}`), 401, 'mfa_required'],
    ['an 8 KB X-MFA-Token (a wrong code)', () => asAlice(request(app).get('/api/profile')).set('X-MFA-Token', '1'.repeat(8000)), 401, 'mfa_invalid_code'],
    ['an 8 KB session cookie', () => asAlice(request(app).get('/api/profile')).set('Cookie', `mfa_session=${'a'.repeat(8000)}`), 401, 'mfa_required'],
    ['a session token of the wrong shape', () => asAlice(request(app).get('/api/profile')).set('X-Session-Token', '../../etc/passwd'), 401, 'mfa_required'],
  ])('%s', async (_name, send, status, code) => expectProblem(await send(), status, code));
});

test('a well-formed request still works after all of that', async () => {
  const res = await withSession(request(app).get('/api/profile'));
  expect(res.status).toBe(200);
});

afterAll(() => expect(errors).toEqual([]));
