/**
 * Threat: one address spraying codes across many accounts, which the per-account lockout alone
 * does not slow down. The demo's code-checking routes under /mfa sit behind a per-address limit of
 * failures (100 in 15 minutes unless `rateLimit` says otherwise; successes are not counted) that
 * answers 429 rate_limited; `rateLimit: false` turns it off for a deployment whose gateway limits
 * instead.
 */
import type { DemoFactory } from './types';
import { bearer, expectProblem, login, withDemo } from './lib/harness';

export function describeRateLimit(makeDemo: DemoFactory): void {
  describe('the per-address limit of failures on the code-checking routes', () => {
    test('past the configured limit: 429 rate_limited with Retry-After, whichever account asks', async () => {
      await withDemo(makeDemo, { rateLimit: { windowMs: 60_000, limit: 2 } }, async (demo) => {
        const tokens = await Promise.all(['alice', 'bob', 'carol'].map((user) => login(demo, user)));
        const verify = (token: string) => bearer(demo.http.post('/mfa/verify'), token).send({ code: '123456' });
        expectProblem(await verify(tokens[0]!), 403, 'mfa_enrollment_required');
        expectProblem(await verify(tokens[1]!), 403, 'mfa_enrollment_required');
        const limited = await verify(tokens[2]!);
        expectProblem(limited, 429, 'rate_limited');
        expect(limited.headers['retry-after']).toMatch(/^\d+$/);
        expectProblem(await bearer(demo.http.post('/mfa/totp/fac_x/confirm'), tokens[2]!).send({ code: '123456' }), 429, 'rate_limited');
        // Routes that check no code are not limited.
        expect((await bearer(demo.http.get('/mfa'), tokens[2]!)).status).toBe(200);
        expect((await bearer(demo.http.post('/mfa/totp'), tokens[2]!)).status).toBe(201);
      });
    });

    test('by default 100 failures in 15 minutes pass and the 101st request is 429 rate_limited', async () => {
      await withDemo(makeDemo, {}, async (demo) => {
        const token = await login(demo, 'alice');
        for (let i = 0; i < 100; i += 1) expectProblem(await bearer(demo.http.post('/mfa/verify'), token).send({}), 400, 'invalid_request');
        expectProblem(await bearer(demo.http.post('/mfa/verify'), token).send({}), 429, 'rate_limited');
      });
    });

    test('rateLimit: false turns it off', async () => {
      await withDemo(makeDemo, { rateLimit: false }, async (demo) => {
        const token = await login(demo, 'alice');
        for (let i = 0; i < 40; i += 1) expectProblem(await bearer(demo.http.post('/mfa/verify'), token).send({}), 400, 'invalid_request');
      });
    });
  });
}
