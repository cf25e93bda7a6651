/**
 * Threat: a step-up meant for one action authorises another: an ordinary session passes a route
 * that wants a proof for this request alone, a grant is used twice, for another path or method,
 * or with a body other than the one it was made for. `POST /once` (requireFreshMfa with
 * `once: { bindBody: true }`) must pass only a grant made for that very request and body, once,
 * or an inline code; and it must answer every other case with the contract's 401 and max_age=0.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { enrollTotp, expectChallenge, expectProblem, nextTotp, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

const BODY = JSON.stringify({ name: 'bob', account: 'DE89 3704' });
const digestOf = (body: string) => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

export function describeOnce(makeApp: AdapterAppFactory): void {
  describe('requireFreshMfa once: a proof for one request', () => {
    const start = useApps(makeApp);

    async function granted(h: Awaited<ReturnType<typeof start>>, secret: string, action: object): Promise<string> {
      const res = await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code: nextTotp(h, secret), action });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ grant: expect.stringMatching(/^mfg_[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(Number), amr: ['otp'], authTime: expect.any(Number), factorId: expect.any(String) });
      return res.body.grant;
    }

    const post = (h: Awaited<ReturnType<typeof start>>, body = BODY) => request(h.app).post('/once').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send(body);

    test('a fresh session alone: 401 mfa_stale with max_age=0', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      const res = await post(h).set('X-Session-Token', sessionToken);
      expectProblem(res, 401, 'mfa_stale');
      expectChallenge(res, 'max_age=0');
    });

    test('a grant for this method, path and body passes once; the second use is 401 mfa_grant_invalid', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const grant = await granted(h, secret, { method: 'POST', path: '/once', digest: digestOf(BODY) });
      const res = await post(h).set('X-MFA-Grant', grant).expect(200);
      expect(res.body).toMatchObject({ ok: true, mfa: { userId: 'alice', amr: ['otp'] } });
      expect(res.headers['x-session-token']).toBeUndefined();
      const again = await post(h).set('X-MFA-Grant', grant);
      expectProblem(again, 401, 'mfa_grant_invalid');
      expectChallenge(again, 'max_age=0');
    });

    test('a grant for another body, path or method, or without a digest: 401 mfa_grant_invalid', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const cases: [object, string][] = [
        [{ method: 'POST', path: '/once', digest: digestOf(BODY) }, JSON.stringify({ name: 'mallory', account: 'DE89 3704' })],
        [{ method: 'POST', path: '/other', digest: digestOf(BODY) }, BODY],
        [{ method: 'PUT', path: '/once', digest: digestOf(BODY) }, BODY],
        [{ method: 'POST', path: '/once' }, BODY],
      ];
      for (const [action, body] of cases) {
        const grant = await granted(h, secret, action);
        expectProblem(await post(h, body).set('X-MFA-Grant', grant), 401, 'mfa_grant_invalid');
      }
    });

    test('an inline code passes this request alone and opens no session', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const res = await post(h).set('X-MFA-Token', nextTotp(h, secret)).expect(200);
      expect(res.headers['x-session-token']).toBeUndefined();
      expectProblem(await post(h), 401, 'mfa_required');
    });

    test('a malformed action: 400 invalid_request, and the code is not spent', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      for (const action of [{ method: 'POST' }, { method: 'POST', path: 'once' }, { method: 'POST', path: '/once', digest: 'md5=:AAAA:' }, 'POST /once', { method: 'POST', path: '/once', extra: 1 }]) {
        expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code, action }), 400, 'invalid_request');
      }
      await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send({ code, action: { method: 'POST', path: '/once' } })
        .expect(200);
    });
  });
}
