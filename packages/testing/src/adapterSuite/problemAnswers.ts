/**
 * Threat: a client written against one framework misreading another's answers: a problem in the
 * framework's own error shape, or with another media type, charset or caching. Every problem,
 * whichever part of the adapter writes it (requireMfa, a route, the body parser's error, the 404
 * of the mount, the rate limit, a store failure), is `application/problem+json; charset=utf-8`,
 * as Express and Koa write it; and a denial is the core's decision, status, headers and body,
 * unchanged.
 */
import request from 'supertest';
import { decide } from '../decide';
import { STATE_METHODS } from '../flakyStateStore';
import { enrollTotp, expectProblem, useApps } from './lib/harness';
import type { AdapterAppFactory } from './types';

export function describeProblemAnswers(makeApp: AdapterAppFactory): void {
  describe('problem answers', () => {
    const start = useApps(makeApp);

    test('every problem, whoever writes it, is application/problem+json; charset=utf-8', async () => {
      const h = await start({ app: { rateLimit: { windowMs: 60_000, limit: 1 } } });
      const verify = () => request(h.app).post('/mfa/verify').set('X-Test-User', 'alice');
      const totp = () => request(h.app).post('/mfa/totp').set('X-Test-User', 'alice');
      const answers: [who: string, req: request.Test, status: number, code: string][] = [
        ['requireMfa', request(h.app).get('/protected'), 401, 'authentication_required'],
        ['requireMfa', request(h.app).get('/protected').set('X-Test-User', 'alice'), 403, 'mfa_enrollment_required'],
        ['a route', verify().send({ code: '123456' }), 403, 'mfa_enrollment_required'],
        ['the rate limit', verify().send({ code: '123456' }), 429, 'rate_limited'],
        ['the mount', request(h.app).get('/mfa/nope').set('X-Test-User', 'alice'), 404, 'not_found'],
        ['the body parser', totp().set('Content-Type', 'application/json').send('{'), 400, 'invalid_request'],
        ['the body parser', totp().send({ label: 'x'.repeat(17 * 1024) }), 413, 'payload_too_large'],
        ['the body parser', totp().set('Content-Type', 'application/json; charset=latin1').send('{}'), 415, 'unsupported_media_type'],
      ];
      const types: Record<string, string | undefined> = {};
      for (const [who, req, status, code] of answers) {
        const res = await req;
        expectProblem(res, status, code);
        types[`${who}: ${status} ${code}`] = res.headers['content-type'];
      }
      h.state.failing = new Set(STATE_METHODS);
      const unavailable = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'bob');
      expectProblem(unavailable, 503, 'mfa_unavailable');
      types['a route: 503 mfa_unavailable'] = unavailable.headers['content-type'];
      expect(types).toEqual(Object.fromEntries(Object.keys(types).map((answer) => [answer, 'application/problem+json; charset=utf-8'])));
    });

    test("the denial is exactly the core's decision: status, headers and body unchanged, in no framework's error shape", async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const decision = await decide(h.mfa, { user: { id: 'alice' } });
      if (decision.allow) throw new Error('expected a denial');
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice');
      expect(res.status).toBe(decision.response.status);
      for (const [name, value] of Object.entries(decision.response.headers)) expect(res.headers[name.toLowerCase()]).toBe(value);
      expect(res.body).toEqual(decision.response.body);
      expect(res.body.statusCode).toBeUndefined();
      expect(res.body.message).toBeUndefined();
    });
  });
}
