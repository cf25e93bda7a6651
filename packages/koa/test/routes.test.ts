/**
 * Threat: a route someone forgot to guard, the usual way MFA is bypassed. `mfaRoutes` must list
 * every route of a real Koa app and its @koa/router routers with what guards it (its own
 * `requireMfa`, a `router.use` or `app.use` before it, the mfakit routers), and report an open one
 * as `NONE`, never as guarded; `assertEveryRouteGuarded` must fail naming each open route that
 * `except` does not name.
 */
import Router from '@koa/router';
import { createMfa, type Mfa } from '@mfakit/core';
import { formatRoutes } from '@mfakit/core/http';
import { describeAssertEveryRouteGuarded, guardOf, mfakitRoutes } from '@mfakit/testing';
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { assertEveryRouteGuarded, mfaAdminRouter, mfaRouter, mfaRoutes, requireFreshMfa, requireMfa } from '../src';

const mfa: Mfa = createMfa({ issuer: 'Test', logger: { warn: () => undefined, error: () => undefined } });
const ok: Middleware = (ctx) => {
  ctx.body = 'ok';
};

describe('mfaRoutes', () => {
  test("lists each route with its own guard: requireMfa, requireFreshMfa's maxAge, once bindBody, and NONE", () => {
    const router = new Router();
    router.post('/auth/login', ok);
    router.get('/api/profile', requireMfa(mfa), ok);
    router.post('/api/transfers', requireFreshMfa(mfa, { maxAge: '5m' }), ok);
    router.post('/api/payees', requireMfa(mfa, { once: { bindBody: true } }), ok);

    expect(mfaRoutes(router)).toEqual([
      { method: 'POST', path: '/auth/login', guard: { by: 'none' } },
      { method: 'GET', path: '/api/profile', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'POST', path: '/api/transfers', guard: { by: 'requireMfa', requirement: { maxAge: 300 } } },
      { method: 'POST', path: '/api/payees', guard: { by: 'requireMfa', requirement: { maxAge: 300, once: { bindBody: true } } } },
    ]);
    expect(formatRoutes(mfaRoutes(router)).split('\n')).toEqual([
      'METHOD  PATH            GUARD',
      'POST    /auth/login     NONE',
      'GET     /api/profile    requireMfa',
      'POST    /api/transfers  requireMfa maxAge=300s',
      'POST    /api/payees     requireMfa once bindBody maxAge=300s',
    ]);
  });

  test('router.use(requireMfa) guards the routes registered after it, not those before', () => {
    const router = new Router();
    router.get('/health', ok);
    router.use(requireMfa(mfa));
    router.get('/api/profile', ok);
    router.del('/api/account', ok);

    const routes = mfaRoutes(router);
    expect(guardOf(routes, 'GET /health')).toEqual({ by: 'none' });
    expect(guardOf(routes, 'GET /api/profile')).toEqual({ by: 'requireMfa', requirement: {} });
    expect(guardOf(routes, 'DELETE /api/account')).toEqual({ by: 'requireMfa', requirement: {} });
  });

  test("router.use('/api', requireMfa) guards the routes under /api only, not /apiary", () => {
    const router = new Router();
    router.use('/api', requireMfa(mfa, { methods: ['hwk'] }));
    router.get('/api/users/:id', ok);
    router.get('/apiary', ok);
    router.get('/', ok);

    const routes = mfaRoutes(router);
    expect(guardOf(routes, 'GET /api/users/:id')).toEqual({ by: 'requireMfa', requirement: { methods: ['hwk'] } });
    expect(guardOf(routes, 'GET /apiary')).toEqual({ by: 'none' });
    expect(guardOf(routes, 'GET /')).toEqual({ by: 'none' });
  });

  test('app.use(requireMfa) guards the routers mounted after it, not those before', () => {
    const app = new Koa();
    app.use(new Router().post('/auth/login', ok).routes());
    app.use(requireMfa(mfa));
    app.use(new Router({ prefix: '/api' }).get('/profile', ok).routes());

    expect(mfaRoutes(app)).toEqual([
      { method: 'POST', path: '/auth/login', guard: { by: 'none' } },
      { method: 'GET', path: '/api/profile', guard: { by: 'requireMfa', requirement: {} } },
    ]);
  });

  test('nested routers: full paths with every prefix, and the guards of each level on the way', () => {
    const admin = new Router({ prefix: '/admin' });
    admin.use(requireFreshMfa(mfa, { maxAge: 60 }));
    admin.get('/users/:id', ok);
    admin.get('/', ok);
    const v1 = new Router({ prefix: '/v1' });
    v1.get('/open', ok);
    v1.use(admin.routes());
    const v2 = new Router({ prefix: '/v2' });
    v2.use(requireMfa(mfa));
    v2.use('/shop', new Router().get('/items', ok).routes());

    expect(mfaRoutes([v1, v2])).toEqual([
      { method: 'GET', path: '/v1/open', guard: { by: 'none' } },
      { method: 'GET', path: '/v1/admin/users/:id', guard: { by: 'requireMfa', requirement: { maxAge: 60 } } },
      { method: 'GET', path: '/v1/admin', guard: { by: 'requireMfa', requirement: { maxAge: 60 } } },
      { method: 'GET', path: '/v2/shop/items', guard: { by: 'requireMfa', requirement: {} } },
    ]);
  });

  test('every guard on the way counts: the requirement they make together', () => {
    const router = new Router();
    router.use(requireMfa(mfa, { methods: ['hwk', 'swk'] }));
    router.post('/api/keys', requireFreshMfa(mfa, { maxAge: 120, methods: ['hwk'] }), requireMfa(mfa, { maxAge: 600, always: true }), ok);

    expect(guardOf(mfaRoutes(router), 'POST /api/keys')).toEqual({ by: 'requireMfa', requirement: { maxAge: 120, methods: ['hwk'], always: true } });
  });

  test('one entry per method, in upper case, without the HEAD @koa/router adds to GET; ALL for all(); a route of guards only guards those it matches after it', () => {
    const router = new Router();
    router.all('/api/{*rest}', requireMfa(mfa));
    router.get('/api/items', ok);
    router.post('/api/items', requireFreshMfa(mfa, { maxAge: 30 }), ok);
    router.all('/webhook', ok);
    router.head('/ping', ok);

    expect(mfaRoutes(router)).toEqual([
      { method: 'GET', path: '/api/items', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'POST', path: '/api/items', guard: { by: 'requireMfa', requirement: { maxAge: 30 } } },
      { method: 'ALL', path: '/webhook', guard: { by: 'none' } },
      { method: 'HEAD', path: '/ping', guard: { by: 'none' } },
    ]);
  });

  test('the routes of mfaRouter and mfaAdminRouter mounted on the app are guarded by mfakit; their 404 answers are not routes', () => {
    const app = new Koa();
    app.use(mfaAdminRouter(mfa, { authorize: () => true }).routes());
    app.use(mfaRouter(mfa).routes());

    expect(mfaRoutes(app)).toEqual(mfakitRoutes());
    expect(mfaRoutes([mfaRouter(mfa, { prefix: '/account/mfa' })])[0]).toEqual({ method: 'GET', path: '/account/mfa', guard: { by: 'mfakit' } });
  });

  test('nested in another router, an mfakit router loses its mark (@koa/router copies its routes): NONE, never guarded', () => {
    const outer = new Router();
    outer.use(mfaRouter(mfa).routes());

    const routes = mfaRoutes(outer);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.every((route) => route.guard.by === 'none')).toBe(true);
  });

  test('what it reports is what the app does: a route reported guarded refuses an anonymous request, a NONE route answers', async () => {
    const app = new Koa();
    const open = new Router().get('/health', ok);
    const api = new Router({ prefix: '/api' });
    api.get('/public', ok);
    api.use('/private', requireMfa(mfa));
    api.get('/private/data', ok);
    api.get('/profile', requireMfa(mfa), ok);
    app.use(open.routes());
    app.use(api.routes());
    app.use(requireMfa(mfa));
    app.use(new Router().get('/late', ok).routes());

    const routes = mfaRoutes(app);
    expect(routes.map((r) => `${r.method} ${r.path} ${r.guard.by}`)).toEqual([
      'GET /health none',
      'GET /api/public none',
      'GET /api/private/data requireMfa',
      'GET /api/profile requireMfa',
      'GET /late requireMfa',
    ]);
    for (const route of routes) {
      const answer = await request(app.callback()).get(route.path);
      expect([route.path, answer.status]).toEqual([route.path, route.guard.by === 'none' ? 200 : 401]);
    }
  });

  test('refuses what is neither an app, a Router nor a list of Routers, with MfaError invalid_option', () => {
    expect(() => mfaRoutes({} as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    expect(() => mfaRoutes(null as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => mfaRoutes([new Router(), {}] as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});

function appWithOpenRoutes(): Koa {
  const app = new Koa();
  const router = new Router();
  router.post('/auth/login', ok);
  router.get('/health', ok);
  router.head('/health', ok);
  router.get('/docs/intro', ok);
  router.get('/api/profile', requireMfa(mfa), ok);
  app.use(router.routes());
  app.use(mfaRouter(mfa).routes());
  return app;
}

describeAssertEveryRouteGuarded((except) => assertEveryRouteGuarded(appWithOpenRoutes(), { except }));
