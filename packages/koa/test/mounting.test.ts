/**
 * Threat: the router answering for paths it does not own (shadowing the application's routes),
 * or a bad option surfacing only on the first request; a body an upstream parser already read
 * being read again or ignored; application errors being dressed up as client errors. Covers how
 * the Koa router is mounted and configured (its prefix, a body limit given as a size), and
 * `writeResult`.
 */
import Router from '@koa/router';
import { problemResponse } from '@mfakit/core/http';
import Koa from 'koa';
import request from 'supertest';
import { jsonBody, mfaRouter, writeResult } from '../src';
import { expectProblem, makeHarness, testAuth } from './helpers';

describe('prefix', () => {
  test("routes live under the prefix; its unknown paths are 404 problems; other paths stay the app's", async () => {
    const h = makeHarness();
    const app = new Koa();
    app.use(testAuth);
    app.use(mfaRouter(h.mfa, { prefix: '/account/mfa' }).routes());
    app.use((ctx) => {
      ctx.body = { app: ctx.path };
    });
    await request(app.callback()).get('/account/mfa').set('X-Test-User', 'alice').expect(200);
    await request(app.callback()).post('/account/mfa/totp').set('X-Test-User', 'alice').expect(201);
    expectProblem(await request(app.callback()).get('/account/mfa/nope').set('X-Test-User', 'alice'), 404, 'not_found');
    for (const path of ['/mfa', '/account', '/account/mfa-old']) expect((await request(app.callback()).get(path).expect(200)).body).toEqual({ app: path });
  });

  test("paths outside the prefix are left to the rest of the app: Koa's own 404", async () => {
    const h = makeHarness();
    const res = await request(h.app).get('/mfa-elsewhere').set('X-Test-User', 'alice');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  test('nested in a parent router, under its path', async () => {
    const h = makeHarness();
    const api = new Router({ prefix: '/api' });
    api.use(mfaRouter(h.mfa).routes());
    const app = new Koa();
    app.use(testAuth);
    app.use(api.routes());
    await request(app.callback()).get('/api/mfa').set('X-Test-User', 'alice').expect(200);
    expectProblem(await request(app.callback()).post('/api/mfa/verify').set('X-Test-User', 'alice').send({ code: '123456' }), 403, 'mfa_enrollment_required');
    expectProblem(await request(app.callback()).get('/api/mfa/nope').set('X-Test-User', 'alice'), 404, 'not_found');
  });

  test('a prefix that is not a path under the root, or an unreadable bodyLimit, throws invalid_option at construction', () => {
    const h = makeHarness();
    for (const options of [{ prefix: '' }, { prefix: '/' }, { prefix: 'mfa' }, { prefix: '/mfa/' }, { bodyLimit: 'lots' }, { bodyLimit: 0 }]) {
      expect(() => mfaRouter(h.mfa, options)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
  });

  test('a rateLimit that is neither false nor positive integers throws invalid_option, rather than dropping the limit', () => {
    const h = makeHarness();
    for (const rateLimit of [0, true, null, { windowMs: 0, limit: 5 }, { windowMs: 60_000, limit: 1.5 }]) {
      expect(() => mfaRouter(h.mfa, { rateLimit } as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
  });

  test('jsonBody with a limit that is not a size throws invalid_option at once, not no limit at all', () => {
    for (const limit of ['abc', 0, -1, 1.5]) {
      expect(() => jsonBody(limit)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
    expect(jsonBody('8kb').name).toBe('jsonBody');
  });
});

describe('bodies and errors', () => {
  test('a body an upstream parser left in ctx.request.body is used as it is, not read again', async () => {
    const h = makeHarness();
    const app = new Koa();
    app.use(testAuth);
    app.use(async (ctx, next) => {
      (ctx.request as { body?: unknown }).body = JSON.parse(ctx.get('X-Upstream-Body'));
      await next();
    });
    app.use(mfaRouter(h.mfa).routes());
    const enroll = (upstream: object, raw: string) =>
      request(app.callback()).post('/mfa/totp').set('X-Test-User', 'alice').set('X-Upstream-Body', JSON.stringify(upstream)).set('Content-Type', 'application/json').send(raw);
    await enroll({ label: 'Phone' }, '{not JSON').expect(201);
    expectProblem(await enroll({ label: 42 }, '{"label":"Phone"}'), 400, 'invalid_request');
  });

  test("bodyLimit takes a size such as '50b'", async () => {
    const h = makeHarness({ router: { bodyLimit: '50b' } });
    expectProblem(
      await request(h.app)
        .post('/mfa/totp')
        .set('X-Test-User', 'alice')
        .send({ label: 'x'.repeat(60) }),
      413,
      'payload_too_large',
    );
  });

  test('an error that is not about the request is not turned into a problem: Koa answers 500', async () => {
    const h = makeHarness();
    const app = new Koa();
    app.silent = true;
    app.use(
      mfaRouter(h.mfa, {
        getUser: () => {
          throw new Error('session backend down');
        },
      }).routes(),
    );
    const res = await request(app.callback()).get('/mfa');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
  });
});

describe('writeResult', () => {
  const serve = (write: (ctx: Koa.Context) => void) => {
    const app = new Koa();
    app.use(write);
    return app.callback();
  };

  test('writes a problem unchanged: status, headers, problem+json body', async () => {
    const res = await request(serve((ctx) => writeResult(ctx, problemResponse({ code: 'mfa_locked', detail: 'Wait.', retryAfter: 30 })))).get('/');
    expectProblem(res, 429, 'mfa_locked');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body.detail).toBe('Wait.');
  });

  test('a body without a type is JSON; no body is an empty answer whatever the status', async () => {
    const json = await request(serve((ctx) => writeResult(ctx, { status: 200, headers: { 'X-Extra': '1' }, body: ['a', 1] }))).get('/');
    expect({ status: json.status, type: json.headers['content-type'], extra: json.headers['x-extra'], body: json.body }).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      extra: '1',
      body: ['a', 1],
    });
    const empty = await request(serve((ctx) => writeResult(ctx, { status: 200, headers: { 'Cache-Control': 'no-store' } }))).get('/');
    expect({ status: empty.status, text: empty.text, length: empty.headers['content-length'], type: empty.headers['content-type'] }).toEqual({
      status: 200,
      text: '',
      length: '0',
      type: undefined,
    });
    const gone = await request(serve((ctx) => writeResult(ctx, { status: 204, headers: {} }))).get('/');
    expect({ status: gone.status, text: gone.text }).toEqual({ status: 204, text: '' });
  });
});
