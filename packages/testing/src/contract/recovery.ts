/**
 * Threat: a lost phone locks a person out for good, a recovery code works more than once, or a
 * leaked set stays usable. Each of the ten codes opens one MFA session, once; the count of codes
 * left goes down; a new set (which needs a fresh proof) voids the old one.
 */
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, type Enrolled, enrolledUser, expectProblem, useDemo } from './lib/harness';

export function describeRecovery(makeDemo: DemoFactory): void {
  describe('recovery codes', () => {
    const demo = useDemo(makeDemo);
    let carol: Enrolled;
    let newCodes: string[] = [];

    beforeAll(async () => {
      carol = await enrolledUser(demo, 'carol');
      await bearer(demo.http.delete('/mfa/session'), carol.accessToken).set('X-Session-Token', carol.sessionToken);
    });

    const verify = (body: object) => bearer(demo.http.post('/mfa/verify'), carol.accessToken).send(body);
    const regenerate = (sessionToken?: string) => {
      const req = bearer(demo.http.post('/mfa/recovery-codes'), carol.accessToken);
      return sessionToken ? req.set('X-Session-Token', sessionToken) : req;
    };

    test('a recovery code opens a session and says how many are left', async () => {
      const res = await verify({ recoveryCode: carol.recoveryCodes[0] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ factorId: 'recovery', recoveryCodesRemaining: 9, amr: ['otp'] });
      const profile = await bearer(demo.http.get('/api/profile'), carol.accessToken).set('X-Session-Token', res.body.sessionToken);
      expect(profile.status).toBe(200);
      expect(profile.body.mfa).toMatchObject({ userId: 'carol', factorId: 'recovery' });
    });

    test('the same recovery code does not work twice', async () => {
      expectProblem(await verify({ recoveryCode: carol.recoveryCodes[0] }), 401, 'mfa_invalid_code');
    });

    test('a code typed in lower case without dashes is accepted', async () => {
      const typed = carol.recoveryCodes[1]!.toLowerCase().replace(/-/g, '');
      const res = await verify({ recoveryCode: typed });
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(8);
    });

    test('the status counts the codes left and never shows them again', async () => {
      const res = await bearer(demo.http.get('/mfa'), carol.accessToken);
      expect(res.body.recoveryCodesRemaining).toBe(8);
      for (const code of carol.recoveryCodes) expect(JSON.stringify(res.body)).not.toContain(code);
    });

    test("someone else's recovery code does not work for carol", async () => {
      const alice = await enrolledUser(demo, 'alice');
      expectProblem(await verify({ recoveryCode: alice.recoveryCodes[0] }), 401, 'mfa_invalid_code');
    });

    test('POST /mfa/recovery-codes without a session is 401 mfa_required; with a stale one 401 mfa_stale, max_age=300', async () => {
      const none = await regenerate();
      expectProblem(none, 401, 'mfa_required');
      expect(none.headers['www-authenticate']).toMatch(CHALLENGE);
      const opened = await verify({ recoveryCode: carol.recoveryCodes[2] });
      demo.clock.advanceSeconds(301);
      const stale = await regenerate(opened.body.sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expect(stale.headers['www-authenticate']).toMatch(new RegExp(`${CHALLENGE.source}, max_age=300$`));
    });

    test('with a fresh proof it answers a new set of ten, shown once', async () => {
      const opened = await verify({ recoveryCode: carol.recoveryCodes[3] });
      const res = await regenerate(opened.body.sessionToken);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body)).toEqual(['recoveryCodes']);
      newCodes = res.body.recoveryCodes;
      expect(newCodes).toHaveLength(10);
      expect(newCodes.filter((code) => carol.recoveryCodes.includes(code))).toEqual([]);
    });

    test('the old set is void and the new one works', async () => {
      expectProblem(await verify({ recoveryCode: carol.recoveryCodes[4] }), 401, 'mfa_invalid_code');
      const res = await verify({ recoveryCode: newCodes[0] });
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(9);
    });
  });
}
