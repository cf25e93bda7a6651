/**
 * Threat: malformed, oversized, oddly typed or non-JSON input reaching the core (crashes, 500s
 * with stack traces, type confusion such as a code sent as a number or an array, a form post
 * standing in for JSON), anonymous requests reaching the enrollment routes, and paths under the
 * mount point that are no route. Every such request gets a problem+json answer with a stable
 * code, whatever the framework's own parser and router do: 400 invalid_request, 413
 * payload_too_large, 415 unsupported_media_type, 401 authentication_required, 404 not_found.
 */
import { CONTRACT_ROUTES } from '@mfakit/core/http';
import request from 'supertest';
import type { WireHeader } from './arbitraries';
import { enrollTotp, expectProblem, useApps } from './lib/harness';
import { listenCounting, sendRaw } from './rawHttp';
import type { AdapterAppFactory } from './types';

type Verb = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'options';

export function describeInputErrors(makeApp: AdapterAppFactory): void {
  describe('no primary user', () => {
    const start = useApps(makeApp);

    test.each(CONTRACT_ROUTES.map((route) => [route.method, route.path] as const))('%s %s: 401 authentication_required with a bare Bearer challenge', async (method, path) => {
      const h = await start();
      const url = `/mfa${path === '/' ? '' : path.replace(':factorId', 'fac_x')}`;
      const res = await request(h.app)
        [method.toLowerCase() as Verb](url)
        .send(method === 'GET' ? undefined : { code: '123456' });
      expectProblem(res, 401, 'authentication_required');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    test('an over-long user id is no user', async () => {
      const h = await start();
      expectProblem(await request(h.app).get('/mfa').set('X-Test-User', 'u'.repeat(300)), 401, 'authentication_required');
    });
  });

  describe('body errors', () => {
    const start = useApps(makeApp);

    test('invalid JSON, or JSON that is not an object or array: 400 invalid_request', async () => {
      const h = await start();
      for (const raw of ['{"code":', '{code: 123456}', 'null', '"123456"', '123456']) {
        const res = await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send(raw);
        expectProblem(res, 400, 'invalid_request');
        expect(res.body.detail).toBe('The body is not valid JSON.');
      }
    });

    test('invalid JSON on every route of the contract that takes a body, with a factor id in the path too', async () => {
      const h = await start();
      for (const route of CONTRACT_ROUTES.filter((r) => r.method !== 'GET')) {
        const url = `/mfa${route.path.replace(':factorId', 'fac_x')}`;
        const res = await request(h.app)[route.method.toLowerCase() as Verb](url).set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{');
        expectProblem(res, 400, 'invalid_request');
      }
    });

    test('a body over the default 16kb limit, or over 100kb: 413 payload_too_large', async () => {
      const h = await start();
      for (const size of [17, 200]) {
        expectProblem(
          await request(h.app)
            .post('/mfa/verify')
            .set('X-Test-User', 'alice')
            .send({ code: 'x'.repeat(size * 1024) }),
          413,
          'payload_too_large',
        );
      }
    });

    test('bodyLimit lowers the limit, and raises it', async () => {
      const small = await start({ app: { bodyLimit: 1024 } });
      const label = (length: number) =>
        request(small.app)
          .post('/mfa/totp')
          .set('X-Test-User', 'alice')
          .send({ label: 'x'.repeat(length) });
      expectProblem(await label(2048), 413, 'payload_too_large');
      await label(60).expect(201);
      const large = await start({ app: { bodyLimit: 64 * 1024 } });
      expectProblem(
        await request(large.app)
          .post('/mfa/verify')
          .set('X-Test-User', 'alice')
          .send({ code: 'x'.repeat(17 * 1024) }),
        400,
        'invalid_request',
      );
    });

    test('a charset outside UTF, or an unknown content encoding: 415 unsupported_media_type; a broken gzip body: 400', async () => {
      const h = await start();
      const verify = (type: string) => request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', type);
      for (const charset of ['klingon', 'latin1']) expectProblem(await verify(`application/json; charset=${charset}`).send('{"code":"123456"}'), 415, 'unsupported_media_type');
      expectProblem(await verify('application/json').set('Content-Encoding', 'snappy').send('{"code":"1"}'), 415, 'unsupported_media_type');
      expectProblem(await verify('application/json').set('Content-Encoding', 'gzip').send('not gzip at all'), 400, 'invalid_request');
    });

    // Found by the fuzzed input (inputFuzz.ts): Nest's parser errors were its own 400 when the target had a fragment.
    test('a fragment in the request target is no part of the path: a body error there is still a problem', async () => {
      const h = await start();
      const server = await listenCounting(h.app); // over a raw socket: HTTP clients cut the fragment off
      try {
        for (const target of ['/mfa#x', '/mfa/verify#x', '/mfa/no-such-route#']) {
          const headers: WireHeader[] = [
            ['X-Test-User', 'alice'],
            ['Content-Type', 'application/json'],
          ];
          const res = await sendRaw(server.port, { method: 'POST', target, headers, body: Buffer.from('{"code":') });
          expect({ status: res.status, type: res.headers['content-type']?.[0], code: JSON.parse(res.body.toString()).code }).toEqual({
            status: 400,
            type: 'application/problem+json; charset=utf-8',
            code: 'invalid_request',
          });
        }
      } finally {
        await server.close();
      }
    });

    // Found by the fuzzed input (inputFuzz.ts): brotli's errors, unlike zlib's, were a 500 on Koa and Fastify.
    test('a body that does not inflate, in any encoding, under any path: 400 invalid_request, never a 500', async () => {
      const h = await start();
      for (const encoding of ['gzip', 'deflate', 'br']) {
        for (const path of ['/mfa/verify', '/mfa/no-such-route']) {
          const res = await request(h.app).post(path).set('X-Test-User', 'alice').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('{"code":"123456"}');
          expectProblem(res, 400, 'invalid_request');
        }
      }
    });

    test('the body of any method and of unknown paths is read too', async () => {
      const h = await start();
      for (const [verb, path] of [
        ['delete', '/mfa/session'],
        ['get', '/mfa'],
        ['get', '/mfa/nope'],
      ] as const) {
        expectProblem(await request(h.app)[verb](path).set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{bad'), 400, 'invalid_request');
      }
    });

    test.each([
      ['an empty object', {}],
      ['an array', [{ code: '123456' }]],
      ['a number code', { code: 123456 }],
      ['a null code', { code: null }],
      ['an array code', { code: ['123456'] }],
      ['an object code', { code: { $ne: '' } }],
      ['a boolean recovery code', { recoveryCode: true }],
      ['a blank code', { code: '   ' }],
      ['a huge code', { code: '1'.repeat(10_000) }],
      ['both code and recoveryCode', { code: '123456', recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }],
      ['an unknown extra field', { code: '123456', remember: true }],
    ])('POST /mfa/verify with %s: 400 invalid_request, not counted as a guess', async (_name, body) => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const res = await request(h.app)
        .post('/mfa/verify')
        .set('X-Test-User', 'alice')
        .send(body as object);
      expectProblem(res, 400, 'invalid_request');
      // Malformed input is not a guess: it does not count towards the lockout.
      expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
    });

    test('POST /mfa/verify without a JSON body (none, text/plain, or a form post): 400 invalid_request, not counted', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const verify = () => request(h.app).post('/mfa/verify').set('X-Test-User', 'alice');
      expectProblem(await verify(), 400, 'invalid_request');
      expectProblem(await verify().set('Content-Type', 'text/plain').send('123456'), 400, 'invalid_request');
      expectProblem(await verify().type('form').send('code=123456'), 400, 'invalid_request');
      expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
    });

    test.each([
      ['no body', undefined],
      ['a number code', { code: 123456 }],
      ['an array', ['123456']],
      ['a huge code', { code: '1'.repeat(5000) }],
    ])('POST /mfa/totp/:id/confirm with %s: 400 invalid_request', async (_name, body) => {
      const h = await start();
      const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice').expect(201);
      const res = await request(h.app)
        .post(`/mfa/totp/${started.body.factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send(body as object);
      expectProblem(res, 400, 'invalid_request');
    });

    test('an over-long or undecodable factor id in the path: 400 invalid_request', async () => {
      const h = await start();
      expectProblem(await request(h.app).delete('/mfa/factors/%E0%A4%A').set('X-Test-User', 'alice'), 400, 'invalid_request');
      const { sessionToken } = await enrollTotp(h, 'alice');
      for (const id of ['f'.repeat(65), '%E0%A4%A']) {
        expectProblem(await request(h.app).post(`/mfa/totp/${id}/confirm`).set('X-Test-User', 'alice').send({ code: '123456' }), 400, 'invalid_request');
        expectProblem(await request(h.app).delete(`/mfa/factors/${id}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 400, 'invalid_request');
      }
    });

    test('an over-long X-Session-Token is ignored, not trusted', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', 'mfa_'.padEnd(1000, 'A')), 401, 'mfa_required');
    });

    test('an over-long X-MFA-Token is a wrong code, counted like one', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', '1'.repeat(1000));
      expectProblem(res, 401, 'mfa_invalid_code');
      expect(res.headers['x-session-token']).toBeUndefined();
    });
  });

  describe('paths under /mfa that are no route', () => {
    const start = useApps(makeApp);

    test.each([
      ['GET', '/mfa/nope'],
      ['PUT', '/mfa/totp'],
      ['GET', '/mfa/verify'],
      ['GET', '/MFA/VERIFY'],
      ['DELETE', '/Mfa/Nope/'],
      ['PUT', '/mfa'],
      ['PUT', '/MFA'],
      ['POST', '/mfa'],
      ['OPTIONS', '/mfa'],
      ['GET', '/mfa/totp/x/y/z'],
      ['DELETE', '/mfa/factors'],
      ['PATCH', '/mfa/session/extra'],
    ])('%s %s: 404 not_found problem', async (method, path) => {
      const h = await start();
      expectProblem(await request(h.app)[method.toLowerCase() as Verb](path).set('X-Test-User', 'alice'), 404, 'not_found');
    });

    test('routes match as Express routes do: case-insensitive, an optional trailing slash, HEAD for GET', async () => {
      const h = await start();
      await request(h.app).get('/MFA/').set('X-Test-User', 'alice').expect(200);
      expectProblem(await request(h.app).post('/Mfa/Verify/').set('X-Test-User', 'alice').send({ code: '1' }), 403, 'mfa_enrollment_required');
      const head = await request(h.app).head('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(head.headers['cache-control']).toBe('no-store');
    });
  });
}
