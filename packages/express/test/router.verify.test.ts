/**
 * Threat: online guessing and replay against POST /mfa/verify. A wrong or reused code, or a used
 * recovery code, must never open a session; three failures, whatever the factor, lock the account
 * (429 with Retry-After) until the lock ends, and a correct code is refused meanwhile.
 */
import { totpCode, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { enrollTotp, expectProblem, fakeClockOf, makeHarness, nextTotp } from './helpers';

describe('POST /mfa/verify with {code}', () => {
  test('200 with sessionToken, expiresAt, amr and authTime; the session passes requireMfa', async () => {
    const h = makeHarness();
    const { secret, factorId } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    const now = fakeClockOf(h).now();
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['otp'], authTime: now, factorId });
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
  });

  test('a code with spaces or a dash, as apps show it, is accepted', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: `${code.slice(0, 3)} ${code.slice(3)}` })
      .expect(200);
  });

  test('a wrong code is 401 mfa_invalid_code; a used code is refused (replay)', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const code = nextTotp(h, secret);
    expectProblem(
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: wrongCode(secret, fakeClockOf(h)) }),
      401,
      'mfa_invalid_code',
    );
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }).expect(200);
    const replay = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code });
    expectProblem(replay, 401, 'mfa_invalid_code');
    expect(h.events.map((e) => e.type)).toContain('replay.rejected');
  });

  test("one user's code does not verify another user", async () => {
    const h = makeHarness();
    const alice = await enrollTotp(h, 'alice');
    await enrollTotp(h, 'bob');
    const code = totpCode(alice.secret, fakeClockOf(h), { offsetSteps: 1 });
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ code }), 401, 'mfa_invalid_code');
  });

  test('verifying with a session rotates it: the old token stops working', async () => {
    const h = makeHarness();
    const { secret, sessionToken } = await enrollTotp(h, 'alice');
    const res = await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .set('X-Session-Token', sessionToken)
      .send({ code: nextTotp(h, secret) })
      .expect(200);
    expect(res.body.sessionToken).not.toBe(sessionToken);
    expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
  });

  test('a user without factors: 403 mfa_enrollment_required', async () => {
    const h = makeHarness();
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: '123456' }), 403, 'mfa_enrollment_required');
  });
});

describe('POST /mfa/verify with {recoveryCode}', () => {
  test('200 with a session and recoveryCodesRemaining; each code works once', async () => {
    const h = makeHarness();
    const { recoveryCodes } = await enrollTotp(h, 'alice');
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }).expect(200);
    expect(res.body).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), amr: ['otp'], factorId: 'recovery', recoveryCodesRemaining: 9 });
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }), 401, 'mfa_invalid_code');
    const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
    expect(status.body.recoveryCodesRemaining).toBe(9);
  });

  test('typed loosely (lower case, no dashes) it still matches', async () => {
    const h = makeHarness();
    const { recoveryCodes } = await enrollTotp(h, 'alice');
    const loose = recoveryCodes[1]!.replace(/-/g, '').toLowerCase();
    const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: loose }).expect(200);
    expect(res.body.recoveryCodesRemaining).toBe(9);
  });

  test("another user's recovery code is refused", async () => {
    const h = makeHarness();
    const alice = await enrollTotp(h, 'alice');
    await enrollTotp(h, 'bob');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ recoveryCode: alice.recoveryCodes[0] }), 401, 'mfa_invalid_code');
  });
});

describe('account lockout', () => {
  test('the third failure locks: 429 mfa_locked, Retry-After, no-store; the right code waits for the lock to end', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const clock = fakeClockOf(h);
    clock.advanceSeconds(30);
    const wrong = wrongCode(secret, clock);
    for (let i = 0; i < 2; i += 1) {
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong }), 401, 'mfa_invalid_code');
    }
    const locked = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong });
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30');

    const right = await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: totpCode(secret, clock) });
    expectProblem(right, 429, 'mfa_locked');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);

    clock.advanceSeconds(31);
    await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'alice')
      .send({ code: totpCode(secret, clock) })
      .expect(200);
  });

  test('failures of all factors add up: wrong TOTP codes also lock out a recovery code', async () => {
    const h = makeHarness();
    const { secret, recoveryCodes } = await enrollTotp(h, 'alice');
    const wrong = wrongCode(secret, fakeClockOf(h), { period: 30 });
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong }).expect(401);
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }).expect(401);
    await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong }).expect(429);
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ recoveryCode: recoveryCodes[0] }), 429, 'mfa_locked');
  });

  test('the lock is per account: another user is not affected', async () => {
    const h = makeHarness();
    const alice = await enrollTotp(h, 'alice');
    const bob = await enrollTotp(h, 'bob');
    const wrong = wrongCode(alice.secret, fakeClockOf(h));
    for (let i = 0; i < 3; i += 1) await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong });
    await request(h.app)
      .post('/mfa/verify')
      .set('X-Test-User', 'bob')
      .send({ code: nextTotp(h, bob.secret) })
      .expect(200);
  });

  test('repeated locks back off: the second lock lasts longer than the first', async () => {
    const h = makeHarness();
    const { secret } = await enrollTotp(h, 'alice');
    const clock = fakeClockOf(h);
    const lock = async () => {
      const wrong = wrongCode(secret, clock);
      let res: request.Response | undefined;
      for (let i = 0; i < 3; i += 1) res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code: wrong });
      return res!;
    };
    expect((await lock()).headers['retry-after']).toBe('30');
    clock.advanceSeconds(31);
    const second = await lock();
    expectProblem(second, 429, 'mfa_locked');
    expect(second.headers['retry-after']).toBe('60');
  });
});
