/**
 * Threat: a request reaches a protected handler without a valid second factor of its own user:
 * no session, a forged, expired or ended one, another user's session, a stale one for a step-up
 * route, or one proved with the wrong kind of factor. requireMfa must deny each with the contract's
 * status, problem code and RFC 9470 challenge, and pass only what it should (setting req.mfa).
 */
import { MfaError } from '@mfakit/core';
import { totpCode, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { requireFreshMfa, requireMfa } from '../src';
import { enrollTotp, expectChallenge, expectProblem, fakeClockOf, makeHarness, nextTotp, SENSITIVE_MAX_AGE } from './helpers';

describe('requireMfa: denials', () => {
  test('no primary user: 401 authentication_required', async () => {
    const h = makeHarness();
    const res = await request(h.app).get('/protected');
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  test('a user without any factor: 403 mfa_enrollment_required, no challenge', async () => {
    const h = makeHarness();
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expectProblem(res, 403, 'mfa_enrollment_required');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  test('an enrolled user without a session: 401 mfa_required with the step-up challenge', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
    expectProblem(res, 401, 'mfa_required');
    expectChallenge(res);
  });

  test('a forged or malformed session token: 401 mfa_required', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    for (const token of ['mfa_forged', sessionToken.slice(0, -1) + (sessionToken.endsWith('A') ? 'B' : 'A'), 'x'.repeat(300)]) {
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', token);
      expectProblem(res, 401, 'mfa_required');
      expectChallenge(res);
    }
  });

  test("another user's session does not pass", async () => {
    const h = makeHarness();
    const alice = await enrollTotp(h, 'alice');
    await enrollTotp(h, 'bob');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'bob').set('X-Session-Token', alice.sessionToken);
    expectProblem(res, 401, 'mfa_required');
    const cookie = await request(h.app).get('/protected').set('X-Test-User', 'bob').set('Cookie', `mfa_session=${alice.sessionToken}`);
    expectProblem(cookie, 401, 'mfa_required');
  });

  test('a session unused for longer than the idle timeout (30 minutes) ends', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    fakeClockOf(h).advanceSeconds(29 * 60);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    fakeClockOf(h).advanceSeconds(31 * 60);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(res, 401, 'mfa_required');
  });

  test('a session ended through DELETE /mfa/session no longer passes', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    await request(h.app).delete('/mfa/session').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(res, 401, 'mfa_required');
  });
});

describe('requireMfa: passing', () => {
  test('a valid X-Session-Token passes and req.mfa describes the session', async () => {
    const h = makeHarness();
    const { sessionToken, factorId } = await enrollTotp(h, 'alice');
    const now = fakeClockOf(h).now();
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(res.body).toEqual({
      ok: true,
      user: 'alice',
      mfa: { userId: 'alice', exempt: false, amr: ['otp'], authTime: now, expiresAt: now + 12 * 3600_000, factorId },
    });
  });

  test('the mfa_session cookie works like X-Session-Token', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `theme=dark; mfa_session=${sessionToken}; lang=en`).expect(200);
    expect(res.body.mfa.userId).toBe('alice');
    const other = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `not_mfa_session=${sessionToken}`);
    expectProblem(other, 401, 'mfa_required');
  });

  test('the cookie is found in a long Cookie header, as browsers send with many cookies', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const analytics = `_ga=GA1.1.${'7'.repeat(400)}; consent=${'y'.repeat(200)}`;
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('Cookie', `${analytics}; mfa_session=${sessionToken}`).expect(200);
    // An over-long value of the cookie itself is still not taken for a token.
    const long = await request(h.app)
      .get('/protected')
      .set('X-Test-User', 'alice')
      .set('Cookie', `mfa_session=${sessionToken}${'A'.repeat(300)}`);
    expectProblem(long, 401, 'mfa_required');
  });

  test('an inline X-MFA-Token passes and returns a new X-Session-Token that works afterwards', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
    const issued = res.headers['x-session-token'] as string;
    expect(issued).toMatch(/^mfa_[A-Za-z0-9_-]{43}$/);
    expect(res.body.mfa).toMatchObject({ userId: 'alice', amr: ['otp'], authTime: fakeClockOf(h).now() });
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
  });

  test('an inline code is single-use and a wrong one is refused with 401 mfa_invalid_code', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code).expect(200);
    const replay = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code);
    expectProblem(replay, 401, 'mfa_invalid_code');
    expect(replay.headers['x-session-token']).toBeUndefined();
    const wrong = await request(h.app)
      .get('/protected')
      .set('X-Test-User', 'alice')
      .set('X-MFA-Token', wrongCode(secret, fakeClockOf(h)));
    expectProblem(wrong, 401, 'mfa_invalid_code');
  });

  test('an exempt user passes without a session, and req.mfa says so', async () => {
    const h = makeHarness({ mfa: { exempt: (user) => user.id.startsWith('svc-') } });
    const res = await request(h.app).get('/protected').set('X-Test-User', 'svc-backup').expect(200);
    expect(res.body.mfa).toEqual({ userId: 'svc-backup', exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null });
  });
});

describe('requireMfa: lockout', () => {
  test('wrong inline codes lock the account: 429 mfa_locked with Retry-After and no-store', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const clock = fakeClockOf(h);
    clock.advanceSeconds(30);
    const wrong = wrongCode(secret, clock);
    for (let i = 0; i < 2; i += 1) {
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong), 401, 'mfa_invalid_code');
    }
    const locked = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', wrong);
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30');
    // Locked: even the right code is refused until the lock ends.
    const right = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, clock));
    expectProblem(right, 429, 'mfa_locked');
    clock.advanceSeconds(31);
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', totpCode(secret, clock)).expect(200);
  });
});

describe('requireFreshMfa (step-up) and method requirements', () => {
  test('a fresh session passes; an older one gets 401 mfa_stale with max_age', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const clock = fakeClockOf(h);
    clock.advanceSeconds(SENSITIVE_MAX_AGE);
    const fresh = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    expect(fresh.body.mfa.userId).toBe('alice');
    clock.advanceSeconds(1);
    const stale = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, `max_age=${SENSITIVE_MAX_AGE}`);
    // The session itself is still good for routes without a step-up requirement.
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
  });

  test('using a session does not make it fresh: freshness is the time of the last proof', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const clock = fakeClockOf(h);
    for (let i = 0; i < 4; i += 1) {
      clock.advanceSeconds(100);
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    }
    expectProblem(await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_stale');
  });

  test('a new proof (inline code) on a stale session passes the step-up and rotates the token', async () => {
    const h = makeHarness();
    const { sessionToken, secret } = await enrollTotp(h, 'alice');
    fakeClockOf(h).advanceSeconds(SENSITIVE_MAX_AGE + 60);
    const res = await request(h.app)
      .post('/sensitive')
      .set('X-Test-User', 'alice')
      .set('X-Session-Token', sessionToken)
      .set('X-MFA-Token', totpCode(secret, fakeClockOf(h)))
      .expect(200);
    const issued = res.headers['x-session-token'] as string;
    expect(issued).toMatch(/^mfa_/);
    expect(issued).not.toBe(sessionToken);
    await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', issued).expect(200);
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
  });

  test('a route that needs hwk refuses an otp session: 401 mfa_method_required with acr_values', async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(res, 401, 'mfa_method_required');
    expectChallenge(res, 'acr_values="hwk"');
  });

  test('without a session, the hwk route asks for MFA first (401 mfa_required)', async () => {
    const h = makeHarness();
    await enrollTotp(h, 'alice');
    const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice');
    expectProblem(res, 401, 'mfa_required');
    expectChallenge(res);
  });
});

describe('construction', () => {
  const h = makeHarness();

  test('requireFreshMfa without maxAge throws MfaError invalid_option at construction', () => {
    const build = () => requireFreshMfa(h.mfa, {} as { maxAge: number });
    expect(build).toThrow(MfaError);
    expect(build).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test.each([
    ['an unparsable maxAge', { maxAge: 'soon' }],
    ['a negative maxAge', { maxAge: -5 }],
    ['an empty methods list', { methods: [] }],
    ['a method that is not an RFC 8176 value', { methods: ['HWK!'] }],
  ])('requireMfa with %s throws invalid_option', (_name, options) => {
    expect(() => requireMfa(h.mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });

  test('requireFreshMfa accepts a Duration string', async () => {
    expect(typeof requireFreshMfa(h.mfa, { maxAge: '5m' })).toBe('function');
  });
});
