/**
 * Threat: the Koa and Express adapters drifting apart where their frameworks differ: routing
 * (case, trailing slashes, HEAD, unknown methods, undecodable parameters), body parsing (types,
 * charsets, strict JSON, limits, methods), the rate limit's headers, and how answers are written.
 * The same requests sent to both must get the same status, problem code, body fields and
 * contract headers. (The full contract suite runs on every framework elsewhere; this file
 * targets the translation itself.)
 */
import type { RequestListener } from 'node:http';
import { createMfa, type Mfa } from '@mfakit/core';
import { mfaRouter as expressMfaRouter, requireFreshMfa as expressRequireFreshMfa, requireMfa as expressRequireMfa } from '@mfakit/express';
import { FakeClock, TEST_ENCRYPTION_KEYS, totpCode, wrongCode } from '@mfakit/testing';
import express from 'express';
import request from 'supertest';
import { buildApp, SENSITIVE_MAX_AGE } from './helpers';

const RATE_LIMIT = { windowMs: 60_000, limit: 8 };
const HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after', 'ratelimit', 'ratelimit-policy', 'allow'];

interface App {
  handler: RequestListener | express.Express;
  clock: FakeClock;
}

function core(clock: FakeClock): Mfa {
  return createMfa({ issuer: 'Acme', encryptionKeys: TEST_ENCRYPTION_KEYS, clock, logger: { warn: () => {}, error: () => {} }, exempt: (user) => user.id === 'svc' });
}

/** The Express app of packages/express/test/helpers.ts, built through @mfakit/express. */
function expressApp(rateLimit: typeof RATE_LIMIT | false = RATE_LIMIT): App {
  const clock = new FakeClock();
  const mfa = core(clock);
  const app = express();
  app.use((req, _res, next) => {
    const id = req.get('X-Test-User');
    if (id) (req as { user?: object }).user = { id };
    next();
  });
  app.use('/mfa', expressMfaRouter(mfa, { rateLimit }));
  app.get('/protected', expressRequireMfa(mfa), (req, res) => {
    res.json({ ok: true, user: (req as { user?: { id: string } }).user?.id, mfa: req.mfa });
  });
  app.post('/sensitive', expressRequireFreshMfa(mfa, { maxAge: SENSITIVE_MAX_AGE }), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  return { handler: app, clock };
}

function koaApp(rateLimit: typeof RATE_LIMIT | false = RATE_LIMIT): App {
  const clock = new FakeClock();
  return { handler: buildApp(core(clock), { rateLimit }).callback(), clock };
}

type Step = [method: 'get' | 'post' | 'put' | 'delete' | 'head' | 'options', path: string, init?: { user?: string; type?: string; body?: string | object; headers?: Record<string, string> }];

/** What must be equal: status, problem code, the body's field names, the contract's headers. */
async function send(app: App, [method, path, init = {}]: Step) {
  let req = request(app.handler)[method](path);
  if (init.user) req = req.set('X-Test-User', init.user);
  for (const [name, value] of Object.entries(init.headers ?? {})) req = req.set(name, value);
  if (init.type) req = req.set('Content-Type', init.type);
  if (init.body !== undefined) req = req.send(init.body);
  const res = await req;
  const body = res.body && typeof res.body === 'object' ? res.body : {};
  const headers: Record<string, string> = {};
  for (const name of HEADERS) if (res.headers[name] !== undefined) headers[name] = res.headers[name];
  // express-rate-limit counts its window on the wall clock, this adapter on the core's (fake) one.
  if (headers.ratelimit) headers.ratelimit = headers.ratelimit.replace(/t=\d+$/, 't=(seconds)');
  if (body.code === 'rate_limited') headers['retry-after'] = '(seconds)';
  return { step: `${method.toUpperCase()} ${path}`, status: res.status, code: body.code, fields: Object.keys(body).sort(), headers, issued: 'x-session-token' in res.headers, empty: res.text === '' };
}

type Answer = Awaited<ReturnType<typeof send>>;

async function both(steps: Step[]) {
  const [e, k] = [expressApp(), koaApp()];
  const results = { express: [] as Answer[], koa: [] as Answer[] };
  for (const step of steps) {
    results.express.push(await send(e, step));
    results.koa.push(await send(k, step));
  }
  return results;
}

describe('the same answers as the Express adapter', () => {
  test('routing: the prefix, case, trailing slashes, HEAD, unknown methods and paths, undecodable parameters', async () => {
    const steps: Step[] = [
      ['get', '/mfa', { user: 'alice' }],
      ['get', '/mfa/', { user: 'alice' }],
      ['get', '/MFA', { user: 'alice' }],
      ['head', '/mfa', { user: 'alice' }],
      ['options', '/mfa', { user: 'alice' }],
      ['put', '/mfa', { user: 'alice' }],
      ['get', '/mfa/verify', { user: 'alice' }],
      ['get', '/mfa/nope/deeper', { user: 'alice' }],
      ['post', '/Mfa/Verify/', { user: 'alice', body: { code: '123456' } }],
      ['post', '/mfa/totp/x/confirm/', { user: 'alice', body: { code: '123456' } }],
      ['delete', '/mfa/factors/%E0%A4%A', { user: 'alice' }],
      ['delete', '/mfa/factors/a%2Fb', { user: 'alice' }],
      ['get', '/mfa'],
      ['delete', '/mfa/session'],
      ['get', '/mfa', { user: 'svc' }],
      ['get', '/protected', { user: 'svc' }],
      ['get', '/protected', { user: 'alice' }],
    ];
    const { express: e, koa: k } = await both(steps);
    expect(k).toEqual(e);
    // And not vacuously: what both answered.
    expect(k.map((r) => r.code ?? r.status)).toEqual([
      200,
      200,
      200,
      200,
      'not_found',
      'not_found',
      'not_found',
      'not_found',
      'mfa_enrollment_required',
      'enrollment_not_found',
      'invalid_request',
      'invalid_request',
      'authentication_required',
      'authentication_required',
      200,
      200,
      'mfa_enrollment_required',
    ]);
  });

  test('bodies: types, charsets, strict JSON, limits, encodings and methods', async () => {
    const steps: Step[] = [
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json', body: '{"code":' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json', body: 'null' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json', body: ' \n{"code":"1"}' }],
      ['post', '/mfa/totp', { user: 'alice', type: 'application/json', body: '' }],
      ['post', '/mfa/totp', { user: 'alice', type: 'application/json', body: '[]' }],
      ['post', '/mfa/totp', { user: 'alice', type: 'text/plain', body: 'hello' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/vnd.api+json', body: '{"code":"1"}' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json; charset=klingon', body: '{"code":"1"}' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json; charset=latin1', body: '{"code":"1"}' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json; charset=UTF-8', body: '{"code":"1"}' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json', body: '{"code":"1"}', headers: { 'Content-Encoding': 'snappy' } }],
      ['post', '/mfa/verify', { user: 'alice', body: { code: 'x'.repeat(17 * 1024) } }],
      ['delete', '/mfa/session', { user: 'alice', type: 'application/json', body: '{bad' }],
      ['get', '/mfa/nope', { user: 'alice', type: 'application/json', body: '{bad' }],
      ['get', '/mfa', { user: 'alice', type: 'application/json', body: '{bad' }],
    ];
    const { express: e, koa: k } = await both(steps);
    expect(k).toEqual(e);
    // And not vacuously: what both answered.
    expect(k.map((r) => r.code ?? r.status)).toEqual([
      'invalid_request',
      'invalid_request',
      'mfa_enrollment_required',
      201,
      'invalid_request',
      201,
      'invalid_request',
      'unsupported_media_type',
      'unsupported_media_type',
      'mfa_enrollment_required',
      'unsupported_media_type',
      'payload_too_large',
      'invalid_request',
      'invalid_request',
      'invalid_request',
    ]);
  });

  test('the rate limit: the same counts, headers and 429 on the verification routes only', async () => {
    const steps: Step[] = [
      ...Array.from({ length: 7 }, (_, i): Step => ['post', '/mfa/verify', { user: `user${i}`, body: { code: '123456' } }]),
      ['post', '/mfa/totp', { user: 'alice' }],
      ['post', '/mfa/totp/fac_x/confirm', { user: 'alice', body: { code: '123456' } }],
      ['post', '/mfa/webauthn/authentication/options', { user: 'alice' }],
      ['post', '/mfa/verify', { user: 'alice', type: 'application/json', body: '{bad' }],
      ['get', '/mfa', { user: 'alice' }],
    ];
    const { express: e, koa: k } = await both(steps);
    expect(k).toEqual(e);
    // And not vacuously: what both answered.
    expect(k.map((r) => r.code ?? r.status)).toEqual([...new Array(7).fill('mfa_enrollment_required'), 201, 'enrollment_not_found', 'rate_limited', 'invalid_request', 200]);
  });

  // Without the rate limit here: express-rate-limit counts on the wall clock, this adapter on the
  // core's clock, which this scenario moves.
  test('a whole session: enrollment, sessions, inline codes, step-up and lockout', async () => {
    const [e, k] = [expressApp(false), koaApp(false)];
    const run = async (app: App) => {
      const out: unknown[] = [];
      const record = async (s: Step) => {
        out.push(await send(app, s));
      };
      const started = await request(app.handler).post('/mfa/totp').set('X-Test-User', 'alice');
      const { factorId, secret } = started.body as { factorId: string; secret: string };
      const confirmed = await request(app.handler)
        .post(`/mfa/totp/${factorId}/confirm`)
        .set('X-Test-User', 'alice')
        .send({ code: totpCode(secret, app.clock) });
      out.push([started.status, Object.keys(started.body).sort(), confirmed.status, Object.keys(confirmed.body).sort()]);
      const token = confirmed.body.session.sessionToken as string;
      await record(['get', '/protected', { user: 'alice', headers: { 'X-Session-Token': token } }]);
      await record(['get', '/protected', { user: 'alice', headers: { Cookie: `a=b; mfa_session=${token}` } }]);
      await record(['get', '/protected', { user: 'bob', headers: { 'X-Session-Token': token } }]);
      await record(['post', '/mfa/totp', { user: 'alice' }]);
      app.clock.advanceSeconds(SENSITIVE_MAX_AGE + 1);
      await record(['post', '/sensitive', { user: 'alice', headers: { 'X-Session-Token': token } }]);
      await record(['post', '/mfa/recovery-codes', { user: 'alice', headers: { 'X-Session-Token': token } }]);
      await record(['post', '/sensitive', { user: 'alice', headers: { 'X-Session-Token': token, 'X-MFA-Token': totpCode(secret, app.clock) } }]);
      app.clock.advanceSeconds(30);
      const wrong = wrongCode(secret, app.clock);
      for (let i = 0; i < 3; i += 1) await record(['post', '/mfa/verify', { user: 'alice', body: { code: wrong } }]);
      await record(['get', '/protected', { user: 'alice', headers: { 'X-MFA-Token': totpCode(secret, app.clock) } }]);
      await record(['delete', '/mfa/session', { user: 'alice', headers: { 'X-Session-Token': token } }]);
      return out;
    };
    expect(await run(k)).toEqual(await run(e));
  });
});
