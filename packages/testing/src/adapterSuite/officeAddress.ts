/**
 * Threat: a per-address limit that punishes offices. Two hundred people behind one address (a
 * company's NAT, a campus, a carrier's CGNAT) must be able to enroll and sign in together without a
 * single 429, since a limit that counts successes lets them lock each other out by doing their
 * work; while someone guessing codes from that same address must still be stopped. With the
 * defaults (the adapters' `rateLimit` and the core's `throttle.perAddress`: 100 failures in 15
 * minutes, successes never counted), the office's typos and the attacker's guesses share one
 * budget, and nothing else does. NIST SP 800-63B 5.2.2 limits failed attempts.
 *
 * One person in ten enrolls an authenticator app (TOTP), the others a code by email: every step of
 * the email way (enroll, confirm, challenge, verify) is a route behind the limit.
 */
import request from 'supertest';
import type { OobMessage } from '@mfakit/core';
import { totpCode, wrongCode } from '../otp';
import { expectProblem, useApps } from './lib/harness';
import { listenCounting } from './rawHttp';
import type { AdapterAppFactory } from './types';

const PEOPLE = 200;
const STEP_MS = 1500; // one person every 1.5 s: five minutes to enroll, five more to sign in
const TYPO_EVERY = 10; // one person in ten mistypes a code once
const LIMIT = 100; // the default: 100 failures in 15 minutes, in the adapter and in the core

/** One person of the office, enrolled: how they prove it again. */
interface Person {
  user: string;
  /** The TOTP secret of an app user; absent for an email user. */
  secret?: string;
  /** The email factor of an email user. */
  factorId?: string;
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

export function describeOfficeAddress(makeApp: AdapterAppFactory): void {
  describe('one office behind one address, and an attacker among it', () => {
    const start = useApps(makeApp);

    test('200 people enroll and sign in within ten minutes without a 429; a guesser from the same address is stopped at the limit', async () => {
      const mail: OobMessage[] = [];
      // The defaults; every request comes from the test client's one address.
      const h = await start({
        mfa: {
          oob: {
            send: (message) => {
              mail.push(message);
            },
          },
        },
      });
      // One server for the whole office (supertest would start one per request).
      const server = await listenCounting(h.app);
      const http = request(`http://127.0.0.1:${server.port}`);
      const post = (user: string, path: string, body: object) => http.post(path).set('X-Test-User', user).send(body);
      const lastCode = (user: string) => mail.filter((message) => message.userId === user).at(-1)!.code;
      const began = h.clock.now();
      const statuses: number[] = [];
      const office: Person[] = [];

      for (let i = 0; i < PEOPLE; i += 1) {
        const user = `staff-${i}`;
        if (i % TYPO_EVERY === 0) {
          // An authenticator app, and a typo in its first code.
          const started = await http.post('/mfa/totp').set('X-Test-User', user);
          const { factorId, secret } = started.body as { factorId: string; secret: string };
          const confirm = `/mfa/totp/${factorId}/confirm`;
          statuses.push(started.status, (await post(user, confirm, { code: wrongCode(secret, h.clock) })).status);
          statuses.push((await post(user, confirm, { code: totpCode(secret, h.clock) })).status);
          office.push({ user, secret });
        } else {
          const started = await post(user, '/mfa/email', { email: `${user}@office.example` });
          const { factorId } = started.body as { factorId: string };
          statuses.push(started.status, (await post(user, `/mfa/email/${factorId}/confirm`, { code: lastCode(user) })).status);
          office.push({ user, factorId });
        }
        h.clock.advance(STEP_MS);
      }
      // Signing in, five minutes later: app codes of a later step, email codes sent on request.
      for (const [i, { user, secret, factorId }] of office.entries()) {
        if (secret) {
          statuses.push((await post(user, '/mfa/verify', { code: totpCode(secret, h.clock) })).status);
        } else {
          statuses.push((await post(user, '/mfa/challenge', { factorId })).status);
          if (i % TYPO_EVERY === TYPO_EVERY / 2) statuses.push((await post(user, '/mfa/verify', { code: otherCode(lastCode(user)), factorId })).status);
          statuses.push((await post(user, '/mfa/verify', { code: lastCode(user), factorId })).status);
        }
        h.clock.advance(STEP_MS);
      }
      const typos = 2 * (PEOPLE / TYPO_EVERY);
      expect(h.clock.now() - began).toBeLessThanOrEqual(10 * 60_000);
      expect(statuses.filter((status) => status === 429)).toEqual([]);
      expect(statuses.filter((status) => status === 401)).toHaveLength(typos);
      expect(statuses.filter((status) => status < 300)).toHaveLength(statuses.length - typos);

      // The attacker, from the same address: one guess per account, so that no account locks.
      const guesses: string[] = [];
      for (const { user, secret, factorId } of office) {
        const res = await post(user, '/mfa/verify', secret ? { code: wrongCode(secret, h.clock) } : { code: otherCode(lastCode(user)), factorId });
        guesses.push((res.body as { code: string }).code);
        if (res.status === 429) {
          expectProblem(res, 429, 'rate_limited');
          expect(res.headers['retry-after']).toMatch(/^\d+$/);
          break;
        }
      }
      // The office's typos and the guesses share the budget: 60 guesses were checked, then refused.
      expect(guesses).toEqual([...new Array<string>(LIMIT - typos).fill('mfa_invalid_code'), 'rate_limited']);
      // The price of a per-address limit: until the window ends, the address is refused as a whole.
      const { user, secret } = office[0]!;
      expectProblem(await post(user, '/mfa/verify', { code: totpCode(secret!, h.clock) }), 429, 'rate_limited');
      await server.close();
    });
  });
}
