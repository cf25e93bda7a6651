/**
 * Threat: guessing codes online. Three wrong answers, of any factor, lock the account with a 429
 * and Retry-After; while locked even the right code and a recovery code are refused.
 */
import { totpCode, wrongCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, type Enrolled, enrolledUser, expectProblem, useDemo } from './lib/harness';

export function describeLockout(makeDemo: DemoFactory): void {
  describe('lockout after three wrong codes', () => {
    const demo = useDemo(makeDemo);
    let bob: Enrolled;

    beforeAll(async () => {
      bob = await enrolledUser(demo, 'bob');
      demo.clock.advanceSeconds(30);
    });

    const verify = (body: object) => bearer(demo.http.post('/mfa/verify'), bob.accessToken).send(body);

    test('two wrong codes are 401 mfa_invalid_code, the third is 429 mfa_locked with Retry-After', async () => {
      expectProblem(await verify({ code: wrongCode(bob.secret, demo.clock) }), 401, 'mfa_invalid_code');
      expectProblem(await verify({ code: wrongCode(bob.secret, demo.clock) }), 401, 'mfa_invalid_code');
      const locked = await verify({ code: wrongCode(bob.secret, demo.clock) });
      expectProblem(locked, 429, 'mfa_locked');
      expect(locked.headers['retry-after']).toBe('30');
      expect(locked.headers['cache-control']).toBe('no-store');
      expect(locked.body.detail).toBe('Too many failed attempts; try again in 30 seconds.');
    });

    test('while locked, the right code, a recovery code and an inline code are all refused', async () => {
      expectProblem(await verify({ code: totpCode(bob.secret, demo.clock) }), 429, 'mfa_locked');
      expectProblem(await verify({ recoveryCode: bob.recoveryCodes[0] }), 429, 'mfa_locked');
      const inline = await bearer(demo.http.get('/api/profile'), bob.accessToken).set('X-MFA-Token', totpCode(bob.secret, demo.clock));
      expectProblem(inline, 429, 'mfa_locked');
    });

    test("the lock is per account: alice is not affected by bob's guesses", async () => {
      const alice = await enrolledUser(demo, 'alice');
      const res = await bearer(demo.http.get('/api/profile'), alice.accessToken).set('X-Session-Token', alice.sessionToken);
      expect(res.status).toBe(200);
    });

    test('after Retry-After seconds the right code works again', async () => {
      demo.clock.advanceSeconds(30);
      const res = await verify({ code: totpCode(bob.secret, demo.clock) });
      expect(res.status).toBe(200);
    });

    test('wrong recovery codes and wrong TOTP codes count towards the same lock', async () => {
      demo.clock.advanceSeconds(30);
      expectProblem(await verify({ recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }), 401, 'mfa_invalid_code');
      expectProblem(await verify({ code: wrongCode(bob.secret, demo.clock) }), 401, 'mfa_invalid_code');
      const locked = await verify({ recoveryCode: 'BBBB-BBBB-BBBB-BBBB' });
      expectProblem(locked, 429, 'mfa_locked');
      expect(locked.headers['retry-after']).toBe('30'); // the success above reset the backoff
    });
  });
}
