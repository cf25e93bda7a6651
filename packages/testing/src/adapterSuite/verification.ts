/**
 * Threat: online guessing and replay against POST /mfa/verify. A wrong or reused code, or a used
 * recovery code, must never open a session; three failures, whatever the factor, lock the account
 * (429 with Retry-After) until the lock ends, and a correct code is refused meanwhile.
 */
import request from 'supertest';
import { totpCode, wrongCode } from '../otp';
import { enrollTotp, expectProblem, type Harness, nextTotp, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

const verify = (h: Harness, user: string, body: object) => request(h.app).post('/mfa/verify').set('X-Test-User', user).send(body);

export function describeVerification(makeApp: AdapterAppFactory): void {
  describe('POST /mfa/verify with {code}', () => {
    const start = useApps(makeApp);

    test('200 with sessionToken, expiresAt, amr, authTime and factorId; JSON, no-store; the session passes requireMfa', async () => {
      const h = await start();
      const { secret, factorId } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      const now = h.clock.now();
      const res = await verify(h, 'alice', { code }).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['otp'], authTime: now, factorId });
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
    });

    test('a code with a space, as apps show it, is accepted', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      await verify(h, 'alice', { code: `${code.slice(0, 3)} ${code.slice(3)}` }).expect(200);
    });

    test('a wrong code is 401 mfa_invalid_code; a used code is refused (replay)', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      expectProblem(await verify(h, 'alice', { code: wrongCode(secret, h.clock) }), 401, 'mfa_invalid_code');
      await verify(h, 'alice', { code }).expect(200);
      expectProblem(await verify(h, 'alice', { code }), 401, 'mfa_invalid_code');
      expect(h.events.map((e) => e.type)).toContain('replay.rejected');
    });

    test("one user's code does not verify another user", async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      await enrollTotp(h, 'bob');
      expectProblem(await verify(h, 'bob', { code: totpCode(alice.secret, h.clock, { offsetSteps: 1 }) }), 401, 'mfa_invalid_code');
    });

    test('verifying with a session rotates it: the old token stops working', async () => {
      const h = await start();
      const { secret, sessionToken } = await enrollTotp(h, 'alice');
      const res = await verify(h, 'alice', { code: nextTotp(h, secret) })
        .set('X-Session-Token', sessionToken)
        .expect(200);
      expect(res.body.sessionToken).not.toBe(sessionToken);
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
    });

    test('a user without factors: 403 mfa_enrollment_required', async () => {
      const h = await start();
      expectProblem(await verify(h, 'alice', { code: '123456' }), 403, 'mfa_enrollment_required');
    });
  });

  describe('POST /mfa/verify with {recoveryCode}', () => {
    const start = useApps(makeApp);

    test('200 with a session and recoveryCodesRemaining; each code works once', async () => {
      const h = await start();
      const { recoveryCodes } = await enrollTotp(h, 'alice');
      const res = await verify(h, 'alice', { recoveryCode: recoveryCodes[0] }).expect(200);
      expect(res.body).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), amr: ['otp'], factorId: 'recovery', recoveryCodesRemaining: 9 });
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
      expectProblem(await verify(h, 'alice', { recoveryCode: recoveryCodes[0] }), 401, 'mfa_invalid_code');
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(status.body.recoveryCodesRemaining).toBe(9);
      const loose = await verify(h, 'alice', { recoveryCode: recoveryCodes[1]!.replace(/-/g, '').toLowerCase() }).expect(200);
      expect(loose.body.recoveryCodesRemaining).toBe(8);
    });

    test('typed loosely (lower case, no dashes) it still matches', async () => {
      const h = await start();
      const { recoveryCodes } = await enrollTotp(h, 'alice');
      const res = await verify(h, 'alice', { recoveryCode: recoveryCodes[1]!.replace(/-/g, '').toLowerCase() }).expect(200);
      expect(res.body.recoveryCodesRemaining).toBe(9);
    });

    test("another user's recovery code is refused", async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      await enrollTotp(h, 'bob');
      expectProblem(await verify(h, 'bob', { recoveryCode: alice.recoveryCodes[0] }), 401, 'mfa_invalid_code');
    });
  });

  describe('account lockout', () => {
    const start = useApps(makeApp);

    test('the third failure locks: 429 mfa_locked, Retry-After, no-store; the right code waits for the lock to end', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      h.clock.advanceSeconds(30);
      const wrong = wrongCode(secret, h.clock);
      for (let i = 0; i < 2; i += 1) expectProblem(await verify(h, 'alice', { code: wrong }), 401, 'mfa_invalid_code');
      const locked = await verify(h, 'alice', { code: wrong });
      expectProblem(locked, 429, 'mfa_locked');
      expect(locked.headers['retry-after']).toBe('30');
      const right = await verify(h, 'alice', { code: totpCode(secret, h.clock) });
      expectProblem(right, 429, 'mfa_locked');
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
      h.clock.advanceSeconds(31);
      await verify(h, 'alice', { code: totpCode(secret, h.clock) }).expect(200);
    });

    test('failures of all factors add up: wrong TOTP and recovery codes also lock out a recovery code', async () => {
      const h = await start();
      const { secret, recoveryCodes } = await enrollTotp(h, 'alice');
      const wrong = wrongCode(secret, h.clock, { period: 30 });
      await verify(h, 'alice', { code: wrong }).expect(401);
      await verify(h, 'alice', { recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }).expect(401);
      const locked = await verify(h, 'alice', { code: wrong });
      expectProblem(locked, 429, 'mfa_locked');
      expect(locked.headers['retry-after']).toBe('30');
      expectProblem(await verify(h, 'alice', { recoveryCode: recoveryCodes[0] }), 429, 'mfa_locked');
    });

    test('the lock is per account: another user is not affected', async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      const bob = await enrollTotp(h, 'bob');
      const wrong = wrongCode(alice.secret, h.clock);
      for (let i = 0; i < 3; i += 1) await verify(h, 'alice', { code: wrong });
      await verify(h, 'bob', { code: nextTotp(h, bob.secret) }).expect(200);
    });

    test('repeated locks back off: the second lock (60 s) lasts longer than the first (30 s)', async () => {
      const h = await start();
      const alice = await enrollTotp(h, 'alice');
      const bob = await enrollTotp(h, 'bob');
      const lock = async () => {
        const wrong = wrongCode(alice.secret, h.clock);
        let res: request.Response | undefined;
        for (let i = 0; i < 3; i += 1) res = await verify(h, 'alice', { code: wrong });
        return res!;
      };
      expect((await lock()).headers['retry-after']).toBe('30');
      await verify(h, 'bob', { code: nextTotp(h, bob.secret) }).expect(200);
      h.clock.advanceSeconds(31);
      const second = await lock();
      expectProblem(second, 429, 'mfa_locked');
      expect(second.headers['retry-after']).toBe('60');
    });
  });
}
