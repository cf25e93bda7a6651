/**
 * Threat: a route someone forgot to guard, the usual way MFA is bypassed. `mfaRoutes` must list
 * every route of a real Express 5 app with what guards it (its own `requireMfa`, an `app.use` or
 * `router.use` before it on the way, the mfakit routers), and report an open one as `NONE`, never
 * as guarded; `assertEveryRouteGuarded` must fail naming each open route that `except` does not name.
 */
import os from 'node:os';
import { createMfa, type Mfa } from '@mfakit/core';
import { formatRoutes } from '@mfakit/core/http';
import { describeAssertEveryRouteGuarded, guardOf, mfakitRoutes } from '@mfakit/testing';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { assertEveryRouteGuarded, mfaAdminRouter, mfaRouter, mfaRoutes, requireFreshMfa, requireMfa } from '../src';

const mfa: Mfa = createMfa({ issuer: 'Test', logger: { warn: () => undefined, error: () => undefined } });
const ok: RequestHandler = (_req, res) => {
  res.end();
};
const auth: RequestHandler = (_req, _res, next) => next();

describe('mfaRoutes', () => {
  test("lists each route with its own guard: requireMfa, requireFreshMfa's maxAge, once bindBody, and NONE", () => {
    const app = express();
    app.post('/auth/login', ok);
    app.get('/api/profile', auth, requireMfa(mfa), ok);
    app.post('/api/transfers', auth, requireFreshMfa(mfa, { maxAge: '5m' }), ok);
    app.post('/api/payees', auth, requireMfa(mfa, { once: { bindBody: true } }), ok);

    expect(mfaRoutes(app)).toEqual([
      { method: 'POST', path: '/auth/login', guard: { by: 'none' } },
      { method: 'GET', path: '/api/profile', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'POST', path: '/api/transfers', guard: { by: 'requireMfa', requirement: { maxAge: 300 } } },
      { method: 'POST', path: '/api/payees', guard: { by: 'requireMfa', requirement: { maxAge: 300, once: { bindBody: true } } } },
    ]);
    expect(formatRoutes(mfaRoutes(app)).split('\n')).toEqual([
      'METHOD  PATH            GUARD',
      'POST    /auth/login     NONE',
      'GET     /api/profile    requireMfa',
      'POST    /api/transfers  requireMfa maxAge=300s',
      'POST    /api/payees     requireMfa once bindBody maxAge=300s',
    ]);
  });

  test('app.use(requireMfa) guards every route registered after it, not those before', () => {
    const app = express();
    app.get('/health', ok);
    app.use(requireMfa(mfa));
    app.get('/api/profile', ok);
    app.delete('/api/account', ok);

    const routes = mfaRoutes(app);
    expect(guardOf(routes, 'GET /health')).toEqual({ by: 'none' });
    expect(guardOf(routes, 'GET /api/profile')).toEqual({ by: 'requireMfa', requirement: {} });
    expect(guardOf(routes, 'DELETE /api/account')).toEqual({ by: 'requireMfa', requirement: {} });
  });

  test("app.use('/api', requireMfa) guards the routes under /api only, not /apiary", () => {
    const app = express();
    app.use('/api', requireMfa(mfa, { methods: ['hwk'] }));
    app.get('/api', ok);
    app.get('/api/users/:id', ok);
    app.get('/apiary', ok);
    app.get('/', ok);

    const routes = mfaRoutes(app);
    expect(guardOf(routes, 'GET /api')).toEqual({ by: 'requireMfa', requirement: { methods: ['hwk'] } });
    expect(guardOf(routes, 'GET /api/users/:id')).toEqual({ by: 'requireMfa', requirement: { methods: ['hwk'] } });
    expect(guardOf(routes, 'GET /apiary')).toEqual({ by: 'none' });
    expect(guardOf(routes, 'GET /')).toEqual({ by: 'none' });
  });

  test('nested routers: full paths with every prefix, and the guards of each level on the way', () => {
    const app = express();
    const v1 = express.Router();
    const admin = express.Router();
    admin.use(requireFreshMfa(mfa, { maxAge: 60 }));
    admin.get('/users/:id', ok);
    admin.get('/', ok);
    v1.get('/open', ok);
    v1.use('/admin/', admin);
    app.use('/v1', v1);
    app.use('/v2', requireMfa(mfa), express.Router().get('/items', ok));

    expect(mfaRoutes(app)).toEqual([
      { method: 'GET', path: '/v1/open', guard: { by: 'none' } },
      { method: 'GET', path: '/v1/admin/users/:id', guard: { by: 'requireMfa', requirement: { maxAge: 60 } } },
      { method: 'GET', path: '/v1/admin', guard: { by: 'requireMfa', requirement: { maxAge: 60 } } },
      { method: 'GET', path: '/v2/items', guard: { by: 'requireMfa', requirement: {} } },
    ]);
  });

  test('every guard on the way counts: the requirement they make together', () => {
    const app = express();
    app.use(requireMfa(mfa, { methods: ['hwk', 'swk'] }));
    app.post('/api/keys', requireFreshMfa(mfa, { maxAge: 120, methods: ['hwk'] }), requireMfa(mfa, { maxAge: 600, always: true }), ok);

    expect(guardOf(mfaRoutes(app), 'POST /api/keys')).toEqual({ by: 'requireMfa', requirement: { maxAge: 120, methods: ['hwk'], always: true } });
  });

  test('one entry per method, in upper case; ALL for app.all; a route of guards only guards the routes it matches after it', () => {
    const app = express();
    app.all('/api/{*rest}', requireMfa(mfa));
    app
      .route('/api/items')
      .get(ok)
      .post(requireFreshMfa(mfa, { maxAge: 30 }), ok);
    app.all('/webhook', ok);
    app.put('/public', ok);

    expect(mfaRoutes(app)).toEqual([
      { method: 'GET', path: '/api/items', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'POST', path: '/api/items', guard: { by: 'requireMfa', requirement: { maxAge: 30 } } },
      { method: 'ALL', path: '/webhook', guard: { by: 'none' } },
      { method: 'PUT', path: '/public', guard: { by: 'none' } },
    ]);
  });

  test('the routes of mfaRouter and mfaAdminRouter, at their full paths, are guarded by mfakit; their 404 answers are not routes', () => {
    const app = express();
    app.use('/mfa/admin', auth, mfaAdminRouter(mfa, { authorize: () => true }));
    app.use('/mfa', auth, mfaRouter(mfa));

    expect(mfaRoutes(app)).toEqual(mfakitRoutes());
  });

  test('static files and 404 handlers are not routes; a mounted sub-application is listed once, as ALL <mount>/*', () => {
    const legacy = express();
    legacy.get('/orders', ok);
    const app = express();
    app.use(express.static(os.tmpdir()));
    app.get('/api/profile', requireMfa(mfa), ok);
    app.use('/legacy', legacy);
    app.use((_req, res) => {
      res.status(404).end();
    });

    expect(mfaRoutes(app)).toEqual([
      { method: 'GET', path: '/api/profile', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'ALL', path: '/legacy/*', guard: { by: 'none' } },
    ]);
    expect(mfaRoutes(legacy)).toEqual([{ method: 'GET', path: '/orders', guard: { by: 'none' } }]);
  });

  test('what it reports is what the app does: a route reported guarded refuses an anonymous request, a NONE route answers', async () => {
    const app = express();
    const api = express.Router();
    app.get('/health', ok);
    api.get('/public', ok);
    api.use('/private', requireMfa(mfa));
    api.get('/private/data', ok);
    api.get('/profile', requireMfa(mfa), ok);
    app.use('/api', api);
    app.use(requireMfa(mfa));
    app.get('/late', ok);

    const routes = mfaRoutes(app);
    expect(routes.map((r) => `${r.method} ${r.path} ${r.guard.by}`)).toEqual([
      'GET /health none',
      'GET /api/public none',
      'GET /api/private/data requireMfa',
      'GET /api/profile requireMfa',
      'GET /late requireMfa',
    ]);
    for (const route of routes) {
      const answer = await request(app).get(route.path);
      expect([route.path, answer.status]).toEqual([route.path, route.guard.by === 'none' ? 200 : 401]);
    }
  });

  test('takes a Router as well as an app; its all() is one ALL entry too', () => {
    const router = express.Router();
    router.get('/me', requireMfa(mfa), ok);
    router.all('/any', ok);
    expect(mfaRoutes(router)).toEqual([
      { method: 'GET', path: '/me', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'ALL', path: '/any', guard: { by: 'none' } },
    ]);
  });

  test('a mount path the router did not keep (router before 2.3.0) is shown as /<mount>; the guards are still found', () => {
    const app = express();
    const api = express.Router();
    api.use('/admin', requireMfa(mfa));
    api.get('/admin/users', ok);
    api.get('/status', ok);
    app.use('/api', api);
    // router 2.2.0's Layer, as Express 5.0 to 5.2 installed it, kept no rawPath.
    for (const layer of [...app.router.stack, ...api.stack] as { rawPath?: unknown }[]) delete layer.rawPath;

    expect(mfaRoutes(app)).toEqual([
      { method: 'GET', path: '/<mount>/admin/users', guard: { by: 'requireMfa', requirement: {} } },
      { method: 'GET', path: '/<mount>/status', guard: { by: 'none' } },
    ]);
  });

  test('refuses what is neither an app nor a Router, with MfaError invalid_option', () => {
    expect(() => mfaRoutes({} as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    expect(() => mfaRoutes(null as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});

function appWithOpenRoutes() {
  const app = express();
  app.post('/auth/login', ok);
  app.get('/health', ok);
  app.head('/health', ok);
  app.get('/docs/intro', ok);
  app.get('/api/profile', requireMfa(mfa), ok);
  app.use('/mfa', mfaRouter(mfa));
  return app;
}

describeAssertEveryRouteGuarded((except) => assertEveryRouteGuarded(appWithOpenRoutes(), { except }));
