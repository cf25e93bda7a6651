/**
 * Threat: a proof meant for one action authorises another. Adding a payee is where a thief who
 * holds a session (or one step-up) would send the money next, so POST /api/payees wants a proof
 * made for that very request and body: an MFA session never passes, a step-up grant passes once
 * and only with the body it was made for (a payee whose account was changed on the way is
 * refused), the next payee asks again, and a malformed payee is refused before the proof is
 * spent. The page answers it with @mfakit/client, which every demo serves itself.
 */
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { expectChallenge } from '../assertions';
import { totpCode } from '../otp';
import type { DemoFactory } from './types';
import { bearer, type Enrolled, enrolledUser, expectProblem, useDemo } from './lib/harness';

const PATH = '/api/payees';
const BOB = JSON.stringify({ name: 'bob', account: 'DE89 3704 0044 0532 0130 00' });
const MALLORY = JSON.stringify({ name: 'bob', account: 'GB33 BUKB 2020 1555 5555 55' });
const CAROL = JSON.stringify({ name: 'carol', account: 'FR14 2004 1010 0505 0001 3M02 606' });
const MALFORMED = [
  JSON.stringify({ name: 'bob' }),
  JSON.stringify({ name: '', account: 'DE89' }),
  JSON.stringify({ name: 'bob', account: 'X'.repeat(35) }),
  JSON.stringify({ name: 'n'.repeat(65), account: 'DE89' }),
  JSON.stringify({ name: 'bob', account: 'DE89', amount: 10 }),
  JSON.stringify(['bob', 'DE89']),
];

/** RFC 9530 `Content-Digest` of these bytes, as a step-up grant names the body it is for. */
const digestOf = (body: string) => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

export function describePayees(makeDemo: DemoFactory): void {
  describe('POST /api/payees: a proof made for each payee', () => {
    const demo = useDemo(makeDemo);
    let alice: Enrolled;

    beforeAll(async () => {
      alice = await enrolledUser(demo, 'alice');
    });

    /** The code alice's app shows in the next 30-second step (each step's code is accepted once). */
    function nextCode(): string {
      demo.clock.advanceSeconds(30);
      return totpCode(alice.secret, demo.clock);
    }

    /** A step-up grant for POST /api/payees with this body, made with a fresh app code. */
    async function grantFor(body: string): Promise<string> {
      const res = await bearer(demo.http.post('/mfa/verify'), alice.accessToken).send({ code: nextCode(), action: { method: 'POST', path: PATH, digest: digestOf(body) } });
      expect(res.status).toBe(200);
      return res.body.grant as string;
    }

    const addPayee = (body: string) => bearer(demo.http.post(PATH), alice.accessToken).set('Content-Type', 'application/json').send(body);

    test('an MFA session alone, however fresh, is refused: 401 with the challenge max_age=0', async () => {
      const res = await addPayee(BOB).set('X-Session-Token', alice.sessionToken);
      expectProblem(res, 401, 'mfa_stale');
      expectChallenge(res, 'max_age=0');
    });

    test('a grant made for this body adds the payee (201); the same grant again is 401 mfa_grant_invalid', async () => {
      const grant = await grantFor(BOB);
      const res = await addPayee(BOB).set('X-MFA-Grant', grant);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        ok: true,
        payee: { id: expect.any(String), owner: 'alice', name: 'bob', account: 'DE89 3704 0044 0532 0130 00', createdAt: new Date(demo.clock.now()).toISOString() },
      });
      expect(res.headers['x-session-token']).toBeUndefined();
      const again = await addPayee(BOB).set('X-MFA-Grant', grant);
      expectProblem(again, 401, 'mfa_grant_invalid');
      expectChallenge(again, 'max_age=0');
    });

    test('a grant made for another body (the account changed on the way) is refused: 401 mfa_grant_invalid', async () => {
      const grant = await grantFor(BOB);
      const res = await addPayee(MALLORY).set('X-MFA-Grant', grant);
      expectProblem(res, 401, 'mfa_grant_invalid');
      expect(res.body.detail).toBe('The request body differs from the one the step-up grant was made for.');
      // Spent all the same: the body it was made for does not pass with it either.
      expectProblem(await addPayee(BOB).set('X-MFA-Grant', grant), 401, 'mfa_grant_invalid');
    });

    test('the next payee asks again: the session gets 401, and only a grant of its own adds it', async () => {
      expect((await addPayee(BOB).set('X-MFA-Grant', await grantFor(BOB))).status).toBe(201);
      const next = await addPayee(CAROL).set('X-Session-Token', alice.sessionToken);
      expectProblem(next, 401, 'mfa_stale');
      expectChallenge(next, 'max_age=0');
      expect((await addPayee(CAROL).set('X-MFA-Grant', await grantFor(CAROL))).status).toBe(201);
    });

    test('a malformed payee is 400 invalid_request, and neither the grant nor the code is spent', async () => {
      const grant = await grantFor(BOB);
      const code = nextCode();
      for (const body of MALFORMED) {
        const withGrant = await addPayee(body).set('X-MFA-Grant', grant);
        expectProblem(withGrant, 400, 'invalid_request');
        expect(withGrant.body.detail).toBe('Send {"name": "<1 to 64 characters>", "account": "<1 to 34 characters>"} as JSON, and nothing else.');
        expectProblem(await addPayee(body).set('X-MFA-Token', code), 400, 'invalid_request');
      }
      expect((await addPayee(BOB).set('X-MFA-Grant', grant)).status).toBe(201);
      expect((await addPayee(BOB).set('X-MFA-Token', code)).status).toBe(201);
    });

    test('an app code in X-MFA-Token adds this payee alone and opens no session', async () => {
      const res = await addPayee(CAROL).set('X-MFA-Token', nextCode());
      expect(res.status).toBe(201);
      expect(res.body.payee).toMatchObject({ owner: 'alice', name: 'carol' });
      expect(res.headers['x-session-token']).toBeUndefined();
      expectProblem(await addPayee(CAROL), 401, 'mfa_required');
    });

    test('the page gets @mfakit/client from the demo itself, at /vendor/mfakit-client.js, under the same CSP', async () => {
      const res = await demo.http.get('/vendor/mfakit-client.js');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
      // The bundle, run on its own, defines what the page calls.
      const page: { MfaClient?: Record<string, unknown> } = {};
      vm.runInNewContext(res.text, page);
      expect(typeof page.MfaClient?.createMfaFetch).toBe('function');
      expect(typeof page.MfaClient?.MfaClientError).toBe('function');
    });
  });
}
