// What the published packages must do once installed from their tarballs, whichever way they were
// loaded: smoke.cjs (require) and smoke.mjs (import) hand over what they loaded, and this runs the
// same checks on it. Throws at the first failure.
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');

/** A few named exports per package that must be functions (classes included). */
const EXPORTS = {
  '@mfakit/core': ['createMfa', 'MemoryStore', 'Mfa', 'MfaError', 'parseEncryptionKeys'],
  '@mfakit/core/http': ['guard', 'handleRoute', 'handleAdminRoute', 'mfaRequestOf', 'problemResponse', 'createRateLimiter'],
  '@mfakit/core/store': ['MemoryStore', 'isOtpFactor', 'isOobFactor'],
  '@mfakit/express': ['requireMfa', 'requireFreshMfa', 'mfaRouter', 'mfaAdminRouter'],
  '@mfakit/koa': ['requireMfa', 'requireFreshMfa', 'mfaRouter', 'jsonBody'],
  '@mfakit/fastify': ['requireMfa', 'requireFreshMfa', 'mfaRouter', 'mfaAdminRouter', 'frameworkErrors'],
  '@mfakit/nestjs': ['MfaModule', 'MfaGuard', 'MfaController', 'RequireMFA', 'SkipMfa'],
  '@mfakit/redis': ['RedisStateStore'],
  '@mfakit/postgres': ['PostgresFactorStore', 'migrate'],
  '@mfakit/cli': ['runCli', 'isCliCommand'],
  '@mfakit/gateway': ['createGateway', 'loadConfig', 'parseConfig', 'checkReport', 'openStores', 'createTokenVerifier', 'devToken'],
  '@mfakit/client': ['createMfaFetch', 'MfaClientError', 'parseWwwAuthenticate', 'stepUpRequirement'],
};

/** Listens on a free port, fetches `path` with `headers`, closes; resolves with status and body. */
async function fetchOnce(listener, path, headers = {}) {
  const server = http.createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}${path}`, { headers });
    return { status: res.status, body: await res.json() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * @param {{ format: 'cjs' | 'esm', resolved: Record<string, string>, mfakit: Record<string, any>,
 *   peers: { express: any, Fastify: any, Koa: any, NestFactory: any, Redis: any, Pool: any } }} loaded
 */
async function runChecks({ format, resolved, mfakit, peers }) {
  for (const [name, names] of Object.entries(EXPORTS)) {
    // '@mfakit/core/http' is dist/http of @mfakit/core; a package's main entry is dist/index.
    const [scope, pkg, subpath = 'index'] = name.split('/');
    const entry = `/node_modules/${scope}/${pkg}/dist/${subpath}.${format === 'cjs' ? 'js' : 'mjs'}`;
    assert.ok(resolved[name].endsWith(entry), `${name} resolved to ${resolved[name]}, not ${entry}`);
    for (const exported of names) assert.equal(typeof mfakit[name][exported], 'function', `${name} exports no function ${exported}`);
  }
  const core = mfakit['@mfakit/core'];
  const silent = { warn: () => undefined, error: () => undefined };
  const mfa = core.createMfa({ issuer: 'Acme', encryptionKeys: `k1:${crypto.randomBytes(32).toString('base64')}`, logger: silent });
  assert.ok(mfa instanceof core.Mfa, 'createMfa made no Mfa');
  // The entries share one copy of the core: the HTTP kit knows an Mfa of the main entry.
  const decision = await mfakit['@mfakit/core/http'].guard(mfa, { user: { id: 'alice' } }, {}, (decided) => decided);
  assert.deepEqual(pick(decision.response), { status: 403, code: 'mfa_enrollment_required' });
  assert.equal(mfakit['@mfakit/core/store'].MemoryStore, core.MemoryStore, 'the store entry has a MemoryStore of its own');

  // Express: requireMfa judges the user that the primary authentication set.
  const app = peers.express();
  app.use((req, _res, next) => {
    if (req.headers['x-user']) req.user = { id: req.headers['x-user'] };
    next();
  });
  app.get('/profile', mfakit['@mfakit/express'].requireMfa(mfa), (_req, res) => res.json({ ok: true }));
  assert.deepEqual(pick(await fetchOnce(app, '/profile')), { status: 401, code: 'authentication_required' });
  assert.deepEqual(pick(await fetchOnce(app, '/profile', { 'x-user': 'alice' })), { status: 403, code: 'mfa_enrollment_required' });

  // Koa: the same, from ctx.state.user.
  const koa = new peers.Koa();
  koa.use(async (ctx, next) => {
    ctx.state.user = { id: 'alice' };
    await next();
  });
  koa.use(mfakit['@mfakit/koa'].requireMfa(mfa));
  koa.use((ctx) => {
    ctx.body = { ok: true };
  });
  assert.deepEqual(pick(await fetchOnce(koa.callback(), '/profile')), { status: 403, code: 'mfa_enrollment_required' });

  // Fastify: requireMfa as a preHandler, the user from request.user.
  const fastify = peers.Fastify(mfakit['@mfakit/fastify'].mfaServerOptions);
  fastify.addHook('onRequest', (request, _reply, done) => {
    request.user = { id: 'alice' };
    done();
  });
  fastify.get('/profile', { preHandler: mfakit['@mfakit/fastify'].requireMfa(mfa) }, async () => ({ ok: true }));
  await fastify.ready();
  assert.deepEqual(pick(await fetchOnce((req, res) => fastify.server.emit('request', req, res), '/profile')), { status: 403, code: 'mfa_enrollment_required' });
  await fastify.close();

  // NestJS: the built classes carry the decorator metadata, the module's guard and controller are
  // injected, and they share the one core instance.
  const nest = mfakit['@mfakit/nestjs'];
  const paramtypes = Reflect.getMetadata('design:paramtypes', nest.MfaGuard);
  assert.deepEqual(
    paramtypes?.map((type) => type.name),
    ['Mfa', 'Object', 'Reflector'],
    'MfaGuard has no design:paramtypes',
  );
  assert.equal(paramtypes[0], core.Mfa, "MfaGuard's Mfa is not @mfakit/core's");
  const nestApp = await peers.NestFactory.create(nest.MfaModule.forRoot(mfa), { logger: false });
  try {
    await nestApp.listen(0, '127.0.0.1');
    assert.ok(nestApp.get(nest.MfaGuard) instanceof nest.MfaGuard, 'MfaGuard not provided');
    assert.equal(nestApp.get(core.Mfa), mfa, 'the module provides another Mfa');
    const res = await fetch(`http://127.0.0.1:${nestApp.getHttpServer().address().port}/mfa`);
    assert.deepEqual(pick({ status: res.status, body: await res.json() }), { status: 401, code: 'authentication_required' });
  } finally {
    await nestApp.close();
  }

  // The stores take their drivers' clients (none connects here).
  const redis = new peers.Redis({ lazyConnect: true });
  assert.ok(new mfakit['@mfakit/redis'].RedisStateStore(redis) instanceof mfakit['@mfakit/redis'].RedisStateStore);
  redis.disconnect();
  const pool = new peers.Pool();
  assert.ok(new mfakit['@mfakit/postgres'].PostgresFactorStore(pool) instanceof mfakit['@mfakit/postgres'].PostgresFactorStore);
  await pool.end();

  // The CLI answers help without a store.
  let out = '';
  const code = await mfakit['@mfakit/cli'].runCli(['help'], { mfa, stdout: (text) => (out += text), stderr: (text) => (out += text) });
  assert.equal(code, 0);
  assert.match(out, /rotate-keys/);
}

function pick({ status, body }) {
  return { status, code: body.code };
}

module.exports = { runChecks };
