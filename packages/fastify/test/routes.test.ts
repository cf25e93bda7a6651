/**
 * Threat: a route that someone forgot to guard, the usual way MFA is bypassed. `mfaRoutes` must
 * list every route of a Fastify application with what really guards it (a route-level hook, a
 * plugin scope's hook, the mfakit routers), never call an open route guarded, and
 * `assertEveryRouteGuarded` must fail a test suite on each open route that `except` does not name.
 */
import { createMfa, type Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, CONTRACT_ROUTES, describeGuard, type GuardedRoute } from '@mfakit/core/http';
import { TEST_ENCRYPTION_KEYS } from '@mfakit/testing';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import { assertEveryRouteGuarded, mfaAdminRouter, mfaRouter, mfaRoutes, mfaServerOptions, requireFreshMfa, requireMfa, trackRoutes } from '../src';
import { getUser, testAuth } from './helpers';

const mfa: Mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_ENCRYPTION_KEYS, logger: { warn: () => {}, error: () => {} } });
const ok = async () => ({ ok: true });

/** A plugin that declares its routes at once. */
const plugin =
  (declare: (scope: FastifyInstance) => void): FastifyPluginCallback =>
  (scope, _options, done) => {
    declare(scope);
    done();
  };

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** An application with every kind of route: guarded per route, per plugin scope, by the routers, and open. */
function buildApp(): FastifyInstance {
  const app = Fastify(mfaServerOptions);
  open.push(app);
  trackRoutes(app);
  app.addHook('onRequest', testAuth);
  app.post('/auth/login', ok);
  app.get('/health', ok);
  app.get('/api/profile', { preHandler: requireMfa(mfa, { getUser }) }, ok);
  app.post('/api/transfers', { preHandler: [requireFreshMfa(mfa, { maxAge: '5m', getUser })] }, ok);
  app.post('/api/payees', { preHandler: requireMfa(mfa, { once: { bindBody: true }, getUser }) }, ok);
  app.register(
    function account(scope, _options, done) {
      scope.get('/', ok);
      scope.delete('/:id', ok);
      // A scope inside: its own hook and the route's add to the outer scope's, each must pass.
      scope.register(
        function keys(inner, _options, done) {
          inner.addHook('onRequest', requireFreshMfa(mfa, { maxAge: 60, getUser }));
          inner.get('/', { preHandler: requireMfa(mfa, { methods: ['hwk'], getUser }) }, ok);
          done();
        },
        { prefix: '/keys' },
      );
      // After the routes: Fastify joins a scope's hooks to its routes when the application starts.
      scope.addHook('preHandler', requireMfa(mfa, { getUser }));
      done();
    },
    { prefix: '/api/account' },
  );
  app.register(
    plugin((scope) => scope.get('/news', ok)),
    { prefix: '/api/public' },
  );
  app.all('/api/echo', ok);
  app.register(mfaAdminRouter(mfa, { authorize: () => true, getUser }), { prefix: '/mfa/admin' });
  app.register(mfaRouter(mfa, { getUser }), { prefix: '/mfa' });
  return app;
}

const line = (route: GuardedRoute) => `${route.method} ${route.path}  ${describeGuard(route.guard)}`;

test('mfaRoutes lists each route with its guard: per route, per plugin scope, with the prefixes', async () => {
  const routes = await mfaRoutes(buildApp());
  expect(routes.filter((route) => !route.path.startsWith('/mfa')).map(line)).toEqual([
    'POST /auth/login  NONE',
    'GET /health  NONE',
    'GET /api/profile  requireMfa',
    'POST /api/transfers  requireMfa maxAge=300s',
    'POST /api/payees  requireMfa once bindBody maxAge=300s',
    'ALL /api/echo  NONE',
    // Then the plugins, as Fastify loads them: after the routes of the scope that registers them, depth first.
    'GET /api/account  requireMfa',
    'DELETE /api/account/:id  requireMfa',
    'GET /api/account/keys  requireMfa maxAge=60s methods=hwk',
    'GET /api/public/news  NONE',
  ]);
  expect(routes.find((route) => route.path === '/api/transfers')?.guard).toEqual({ by: 'requireMfa', requirement: { maxAge: 300 } });
});

test('the mfakit routers count as guarded, each of their routes listed', async () => {
  const mine = (await mfaRoutes(buildApp())).filter((route) => route.path.startsWith('/mfa'));
  const expected = [...ADMIN_ROUTES.map((r) => `${r.method} /mfa/admin${r.path}`), ...CONTRACT_ROUTES.map((r) => `${r.method} /mfa${r.path === '/' ? '' : r.path}`)];
  expect(mine.map((route) => `${route.method} ${route.path}`)).toEqual(expected);
  expect(new Set(mine.map((route) => describeGuard(route.guard)))).toEqual(new Set(['mfakit']));
});

test('a HEAD route guarded as the GET route of its path is left out; one guarded otherwise is listed', async () => {
  const app = Fastify();
  open.push(app);
  trackRoutes(app);
  app.get('/a', ok); // and Fastify's own HEAD /a
  app.head('/b', { preHandler: requireMfa(mfa) }, ok);
  app.get('/b', ok);
  app.head('/c', { preHandler: requireMfa(mfa) }, ok);
  app.get('/c', { preHandler: requireMfa(mfa) }, ok);
  expect((await mfaRoutes(app)).map(line)).toEqual(['GET /a  NONE', 'HEAD /b  requireMfa', 'GET /b  NONE', 'GET /c  requireMfa']);
});

test('the table tells the truth: a route listed as guarded refuses a request without MFA, an open one answers', async () => {
  const app = buildApp();
  const routes = (await mfaRoutes(app)).filter((route) => !route.path.startsWith('/mfa'));
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  for (const route of routes) {
    const method = route.method === 'ALL' ? 'GET' : route.method;
    const response = await fetch(`${origin}${route.path.replace(':id', '42')}`, { method }); // no user: 401 where requireMfa runs
    expect({ route: line(route), status: response.status }).toEqual({ route: line(route), status: route.guard.by === 'none' ? 200 : 401 });
  }
});

test('assertEveryRouteGuarded names each open route, and passes once except names them all', async () => {
  const app = buildApp();
  const failure = await assertEveryRouteGuarded(app).catch((err: unknown) => err);
  expect(failure).toMatchObject({ name: 'MfaError', code: 'unguarded_route' });
  const message = (failure as Error).message;
  for (const route of ['POST /auth/login', 'GET /health', 'GET /api/public/news', 'ALL /api/echo']) expect(message).toContain(`\n  ${route}`);
  expect(message).not.toContain('/api/profile');
  expect(message).not.toContain('/mfa');

  // A method and path, a path of any method, a RegExp on 'METHOD /path'.
  await expect(assertEveryRouteGuarded(app, { except: ['POST /auth/login', '/health', /^GET \/api\/public\//] })).rejects.toThrow(/This route has no MFA guard[\s\S]*\n {2}ALL \/api\/echo$/);
  await expect(assertEveryRouteGuarded(app, { except: ['POST /auth/login', '/health', /^GET \/api\/public\//, 'ALL /api/echo'] })).resolves.toBeUndefined();
  // A method that does not match names another route.
  await expect(assertEveryRouteGuarded(app, { except: ['GET /auth/login', '/health', /^GET \/api\/public\//, '/api/echo'] })).rejects.toThrow(/ {2}POST \/auth\/login$/);
});

test('trackRoutes must come before the routes, and mfaRoutes needs it', async () => {
  const late = Fastify();
  open.push(late);
  late.get('/early', ok);
  expect(() => trackRoutes(late)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));

  const untracked = Fastify();
  open.push(untracked);
  untracked.get('/a', ok);
  await expect(mfaRoutes(untracked)).rejects.toMatchObject({ code: 'invalid_option', message: expect.stringContaining('trackRoutes(app)') });
  await expect(assertEveryRouteGuarded(untracked)).rejects.toMatchObject({ code: 'invalid_option' });
});

test('trackRoutes may run before plugins that were registered ahead of it, and twice', async () => {
  const app = Fastify();
  open.push(app);
  app.register(plugin((scope) => scope.get('/in-plugin', { preHandler: requireMfa(mfa) }, ok)));
  trackRoutes(app);
  trackRoutes(app);
  expect((await mfaRoutes(app)).map(line)).toEqual(['GET /in-plugin  requireMfa']);
});
