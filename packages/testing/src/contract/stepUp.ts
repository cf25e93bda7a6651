/**
 * Threat: a session opened long ago (a laptop left unlocked, a stolen session token) is used for
 * a sensitive action. POST /api/transfers needs a proof made in the last `freshMaxAgeSeconds`
 * (MFA_FRESH_MAX_AGE); an older session gets the RFC 9470 challenge with max_age and can answer
 * it inline with X-MFA-Token.
 */
import { totpCode, wrongCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, type Enrolled, enrolledUser, expectProblem, useDemo, withDemo } from './lib/harness';

export function describeStepUp(makeDemo: DemoFactory): void {
  describe('step-up on POST /api/transfers', () => {
    describe('with the default window of 300 seconds', () => {
      stepUpWithDefaultWindow(makeDemo);
    });

    test('with freshMaxAgeSeconds 60 the window is 60 seconds and the challenge says max_age=60', async () => {
      await withDemo(makeDemo, { freshMaxAgeSeconds: 60 }, async (demo) => {
        const bob = await enrolledUser(demo, 'bob');
        demo.clock.advanceSeconds(59);
        const transfer = () => bearer(demo.http.post('/api/transfers'), bob.accessToken).set('X-Session-Token', bob.sessionToken).send({ amount: 5, to: 'alice' });
        expect((await transfer()).status).toBe(201);
        demo.clock.advanceSeconds(2);
        const res = await transfer();
        expectProblem(res, 401, 'mfa_stale');
        expect(res.headers['www-authenticate']).toMatch(/max_age=60$/);
      });
    });
  });
}

/** One demo, one user, the clock moved through the 300-second window. */
function stepUpWithDefaultWindow(makeDemo: DemoFactory): void {
  const demo = useDemo(makeDemo);
  let alice: Enrolled;
  let freshToken = '';

  beforeAll(async () => {
    alice = await enrolledUser(demo, 'alice');
  });

  const transfer = (sessionToken: string) => bearer(demo.http.post('/api/transfers'), alice.accessToken).set('X-Session-Token', sessionToken);

  test('right after the proof the transfer goes through', async () => {
    const res = await transfer(alice.sessionToken).send({ amount: 12.5, to: 'bob' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true, transfer: { id: expect.any(String), from: 'alice', to: 'bob', amount: 12.5, createdAt: new Date(demo.clock.now()).toISOString() } });
  });

  test('five minutes and a second later it is refused with 401 mfa_stale and max_age=300', async () => {
    demo.clock.advanceSeconds(301);
    const res = await transfer(alice.sessionToken).send({ amount: 10, to: 'bob' });
    expectProblem(res, 401, 'mfa_stale');
    expect(res.headers['www-authenticate']).toMatch(new RegExp(`${CHALLENGE.source}, max_age=300$`));
    expect(res.body.detail).toBe('This action needs a proof made in the last 300 seconds.');
  });

  test('the same session still opens the ordinary protected route', async () => {
    const res = await bearer(demo.http.get('/api/profile'), alice.accessToken).set('X-Session-Token', alice.sessionToken);
    expect(res.status).toBe(200);
  });

  test('a wrong inline code is refused with 401 mfa_invalid_code', async () => {
    const res = await transfer(alice.sessionToken).set('X-MFA-Token', wrongCode(alice.secret, demo.clock)).send({ amount: 10, to: 'bob' });
    expectProblem(res, 401, 'mfa_invalid_code');
  });

  test('the right code in X-MFA-Token passes and returns a new X-Session-Token', async () => {
    const res = await transfer(alice.sessionToken).set('X-MFA-Token', totpCode(alice.secret, demo.clock)).send({ amount: 10, to: 'bob' });
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
    demo.clock.advanceSeconds(301);
    const code = totpCode(alice.secret, demo.clock);
    expectProblem(await transfer(freshToken).set('X-MFA-Token', code).send({ amount: '10', to: 'bob' }), 400, 'invalid_request');
    expect((await transfer(freshToken).set('X-MFA-Token', code).send({ amount: 10, to: 'bob' })).status).toBe(201);
  });

  test('an inline code alone (no session) passes the protected route and opens a session', async () => {
    demo.clock.advanceSeconds(30);
    const res = await bearer(demo.http.get('/api/profile'), alice.accessToken).set('X-MFA-Token', totpCode(alice.secret, demo.clock));
    expect(res.status).toBe(200);
    expect(res.body.mfa).toMatchObject({ userId: 'alice', amr: ['otp'], authTime: demo.clock.now() });
    const opened = res.headers['x-session-token'] as string;
    expect(opened).toMatch(/^mfa_/);
    expect((await bearer(demo.http.get('/api/profile'), alice.accessToken).set('X-Session-Token', opened)).status).toBe(200);
  });
}
