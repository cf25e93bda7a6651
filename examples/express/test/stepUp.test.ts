// Threat: a session opened long ago (a laptop left unlocked, a stolen session token) is used for
// a sensitive action. POST /api/transfers needs a proof made in the last MFA_FRESH_MAX_AGE
// seconds; an older session gets the RFC 9470 challenge and can answer it inline.
import { totpCode, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { demo, type Enrolled, enrolledUser, expectProblem } from './helpers';

const CHALLENGE = /^Bearer error="insufficient_user_authentication", error_description="[^"]+", max_age=300$/;

describe('step-up on POST /api/transfers', () => {
  const { app, clock, errors } = demo();
  let alice: Enrolled;
  let freshToken = '';

  beforeAll(async () => {
    alice = await enrolledUser(app, clock, 'alice');
  });

  const transfer = (sessionToken: string) => request(app).post('/api/transfers').auth(alice.accessToken, { type: 'bearer' }).set('X-Session-Token', sessionToken);

  test('right after the proof the transfer goes through', async () => {
    const res = await transfer(alice.sessionToken).send({ amount: 12.5, to: 'bob' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true, transfer: { id: expect.any(String), from: 'alice', to: 'bob', amount: 12.5, createdAt: new Date(clock.now()).toISOString() } });
  });

  test('five minutes and a second later it is refused with 401 mfa_stale and max_age=300', async () => {
    clock.advanceSeconds(301);
    const res = await transfer(alice.sessionToken).send({ amount: 10, to: 'bob' });
    expectProblem(res, 401, 'mfa_stale');
    expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
    expect(res.body.detail).toBe('This action needs a proof made in the last 300 seconds.');
  });

  test('the same session still opens the ordinary protected route', async () => {
    const res = await request(app).get('/api/profile').auth(alice.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken);
    expect(res.status).toBe(200);
  });

  test('a wrong inline code is refused with 401 mfa_invalid_code', async () => {
    const res = await transfer(alice.sessionToken).set('X-MFA-Token', wrongCode(alice.secret, clock)).send({ amount: 10, to: 'bob' });
    expectProblem(res, 401, 'mfa_invalid_code');
  });

  test('the right code in X-MFA-Token passes and returns a new X-Session-Token', async () => {
    const res = await transfer(alice.sessionToken).set('X-MFA-Token', totpCode(alice.secret, clock)).send({ amount: 10, to: 'bob' });
    expect(res.status).toBe(201);
    freshToken = res.headers['x-session-token'] as string;
    expect(freshToken).toMatch(/^mfa_/);
    expect(freshToken).not.toBe(alice.sessionToken);
  });

  test('the new token is fresh; the old one stopped working (rotation)', async () => {
    expect((await transfer(freshToken).send({ amount: 1, to: 'carol' })).status).toBe(201);
    expectProblem(await transfer(alice.sessionToken).send({ amount: 1, to: 'carol' }), 401, 'mfa_required');
  });

  test('a malformed transfer is refused before the inline code is spent', async () => {
    clock.advanceSeconds(301);
    const code = totpCode(alice.secret, clock);
    expectProblem(await transfer(freshToken).set('X-MFA-Token', code).send({ amount: '10', to: 'bob' }), 400, 'invalid_request');
    expect((await transfer(freshToken).set('X-MFA-Token', code).send({ amount: 10, to: 'bob' })).status).toBe(201);
  });

  afterAll(() => expect(errors).toEqual([]));
});

describe('the step-up window follows freshMaxAgeSeconds', () => {
  test('with 60 seconds the challenge says max_age=60', async () => {
    const { app, clock } = demo({ freshMaxAgeSeconds: 60 });
    const bob = await enrolledUser(app, clock, 'bob');
    clock.advanceSeconds(61);
    const res = await request(app).post('/api/transfers').auth(bob.accessToken, { type: 'bearer' }).set('X-Session-Token', bob.sessionToken).send({ amount: 5, to: 'alice' });
    expectProblem(res, 401, 'mfa_stale');
    expect(res.headers['www-authenticate']).toMatch(/max_age=60$/);
  });

  test.each([0, -1, 1.5, 86_401])('createApp refuses freshMaxAgeSeconds %p at start-up', (value) => {
    expect(() => demo({ freshMaxAgeSeconds: value })).toThrow(RangeError);
  });
});
