// Threat: an MFA session token stolen from one user (or handed over) is presented together with
// another user's primary credential. A session belongs to exactly one user; another user's
// request carrying it is refused and cannot end it.
import { totpCode } from '@mfakit/testing';
import request from 'supertest';
import { demo, type Enrolled, enrolledUser, expectProblem } from './helpers';

describe("another user's MFA session", () => {
  const { app, clock, errors } = demo();
  let alice: Enrolled;
  let bob: Enrolled;

  beforeAll(async () => {
    alice = await enrolledUser(app, clock, 'alice');
    bob = await enrolledUser(app, clock, 'bob');
  });

  test("bob's JWT with alice's session token is refused on the protected route", async () => {
    const res = await request(app).get('/api/profile').auth(bob.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken);
    expectProblem(res, 401, 'mfa_required');
    expect(res.body.detail).toMatch(/not valid for this user/);
  });

  test("bob's JWT with alice's session token is refused on the step-up route", async () => {
    const res = await request(app).post('/api/transfers').auth(bob.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken).send({ amount: 1, to: 'bob' });
    expectProblem(res, 401, 'mfa_required');
  });

  test("the status of bob does not show alice's session", async () => {
    const res = await request(app).get('/mfa').auth(bob.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken);
    expect(res.body).toMatchObject({ userId: 'bob', session: null });
  });

  test("bob cannot end alice's session", async () => {
    await request(app).delete('/mfa/session').auth(bob.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken).expect(204);
    const res = await request(app).get('/api/profile').auth(alice.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken);
    expect(res.status).toBe(200);
  });

  test("alice's authenticator code is no inline proof for bob", async () => {
    clock.advanceSeconds(30);
    const res = await request(app).get('/api/profile').auth(bob.accessToken, { type: 'bearer' }).set('X-MFA-Token', totpCode(alice.secret, clock));
    expectProblem(res, 401, 'mfa_invalid_code');
  });

  test("alice's session token in the cookie is refused for bob too", async () => {
    const res = await request(app).get('/api/profile').auth(bob.accessToken, { type: 'bearer' }).set('Cookie', `mfa_session=${alice.sessionToken}`);
    expectProblem(res, 401, 'mfa_required');
  });

  afterAll(() => expect(errors).toEqual([]));
});
