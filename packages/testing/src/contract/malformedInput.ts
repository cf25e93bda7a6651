/**
 * Threat: input the code never expected (broken JSON, wrong types, arrays, huge values, unknown
 * ids and routes, overlong headers) crashes a handler, answers with an HTML stack trace, or slips
 * past a check. Every such request gets a 4xx application/problem+json with a stable code, and
 * nothing reaches the error log (a 500 would).
 */
import type { Test } from 'supertest';
import type { DemoFactory } from './types';
import { bearer, type Enrolled, enrolledUser, expectProblem, useDemo } from './lib/harness';

const HUGE = 'x'.repeat(10_000); // under the 16 KB body limit, far over every field's limit
const OVER_LIMIT = 'x'.repeat(20_000); // over the 16 KB body limit

type Case = [name: string, send: () => Test, status: number, code: string];

const json = (test: Test, body: string) => test.set('Content-Type', 'application/json').send(body);

export function describeMalformedInput(makeDemo: DemoFactory): void {
  describe('malformed input and unknown routes', () => {
    const demo = useDemo(makeDemo);
    let alice: Enrolled;

    beforeAll(async () => {
      alice = await enrolledUser(demo, 'alice');
    });

    const asAlice = (test: Test) => bearer(test, alice.accessToken);
    const withSession = (test: Test) => asAlice(test).set('X-Session-Token', alice.sessionToken);
    const run = async (_name: string, send: () => Test, status: number, code: string) => expectProblem(await send(), status, code);

    describe('POST /auth/login', () => {
      const login = () => demo.http.post('/auth/login');
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
      ])('%s', run);
    });

    describe('the /mfa routes', () => {
      const post = (path: string) => asAlice(demo.http.post(path));
      test.each<Case>([
        ['verify: broken JSON', () => json(post('/mfa/verify'), '{"code": '), 400, 'invalid_request'],
        ['verify: a gzip body that is not gzip', () => json(post('/mfa/verify'), 'not gzip at all').set('Content-Encoding', 'gzip'), 400, 'invalid_request'],
        ['verify: an unknown content encoding', () => json(post('/mfa/verify'), '{"code":"1"}').set('Content-Encoding', 'snappy'), 415, 'unsupported_media_type'],
        ['verify: a number for the code', () => post('/mfa/verify').send({ code: 123456 }), 400, 'invalid_request'],
        ['verify: an array', () => post('/mfa/verify').send(['123456']), 400, 'invalid_request'],
        ['verify: both a code and a recovery code', () => post('/mfa/verify').send({ code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }), 400, 'invalid_request'],
        ['verify: an unknown field', () => post('/mfa/verify').send({ code: '123456', remember: true }), 400, 'invalid_request'],
        ['verify: a huge code', () => post('/mfa/verify').send({ code: HUGE }), 400, 'invalid_request'],
        ['verify: a huge recovery code', () => post('/mfa/verify').send({ recoveryCode: HUGE }), 400, 'invalid_request'],
        ['verify: a body over the limit', () => post('/mfa/verify').send({ code: OVER_LIMIT }), 413, 'payload_too_large'],
        ['enroll: a number for the label', () => withSession(demo.http.post('/mfa/totp')).send({ label: 5 }), 400, 'invalid_request'],
        ['confirm: an unknown factor id', () => post('/mfa/totp/fac_doesnotexist/confirm').send({ code: '123456' }), 404, 'enrollment_not_found'],
        ['confirm: an overlong factor id', () => post(`/mfa/totp/${'f'.repeat(200)}/confirm`).send({ code: '123456' }), 400, 'invalid_request'],
        ['confirm: a code of the wrong type', () => post(`/mfa/totp/${alice.factorId}/confirm`).send({ code: ['123456'] }), 400, 'invalid_request'],
        ['confirm: bad percent-encoding in the id', () => post('/mfa/totp/%E0%A4%A/confirm').send({ code: '123456' }), 400, 'invalid_request'],
        ['webauthn registration: a string for the response', () => withSession(demo.http.post('/mfa/webauthn/registration')).send({ response: 'eyJpZCI6ImFiYyJ9' }), 400, 'invalid_request'],
        ['webauthn authentication: an empty response', () => post('/mfa/webauthn/authentication').send({ response: {} }), 400, 'invalid_request'],
        ['remove: an unknown factor id', () => withSession(demo.http.delete('/mfa/factors/fac_doesnotexist')), 404, 'factor_not_found'],
        ['remove: an overlong factor id', () => withSession(demo.http.delete(`/mfa/factors/${'f'.repeat(200)}`)), 400, 'invalid_request'],
        ['an unknown route under /mfa', () => post('/mfa/telepathy'), 404, 'not_found'],
      ])('%s', run);
    });

    describe('POST /api/transfers', () => {
      const transfer = () => withSession(demo.http.post('/api/transfers'));
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
      ])('%s', run);
    });

    describe('unknown routes and overlong headers', () => {
      const profile = () => asAlice(demo.http.get('/api/profile'));
      test.each<Case>([
        ['GET /api/nope', () => demo.http.get('/api/nope'), 404, 'not_found'],
        ['DELETE /api/profile', () => asAlice(demo.http.delete('/api/profile')), 404, 'not_found'],
        ['GET /auth/login', () => demo.http.get('/auth/login'), 404, 'not_found'],
        ['a path escaping the public folder', () => demo.http.get('/../package.json'), 404, 'not_found'],
        ['bad percent-encoding in a static path', () => demo.http.get('/%E0%A4%A'), 404, 'not_found'],
        ['an 8 KB bearer token', () => demo.http.get('/api/profile').set('Authorization', `Bearer ${'a'.repeat(8000)}`), 401, 'authentication_required'],
        ['an 8 KB X-Session-Token', () => profile().set('X-Session-Token', `mfa_${'a'.repeat(8000)}`), 401, 'mfa_required'],
        ['an 8 KB X-MFA-Token (a wrong code)', () => profile().set('X-MFA-Token', '1'.repeat(8000)), 401, 'mfa_invalid_code'],
        ['an 8 KB session cookie', () => profile().set('Cookie', `mfa_session=${'a'.repeat(8000)}`), 401, 'mfa_required'],
        ['a session token of the wrong shape', () => profile().set('X-Session-Token', '../../etc/passwd'), 401, 'mfa_required'],
      ])('%s', run);
    });

    test('a well-formed request still works after all of that', async () => {
      const res = await withSession(demo.http.get('/api/profile'));
      expect(res.status).toBe(200);
    });
  });
}
