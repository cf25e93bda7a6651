/**
 * Threat: the Koa admin router letting a non-administrator, or an administrator without a recent
 * MFA proof, strip a user's factors or exempt them from MFA; or mishandling a body or a user id
 * into a 500 or an action on the wrong user. Runs the shared admin suite, and checks what is
 * Koa's own: the prefix, options refused at construction, and `always` reaching the core.
 */
import Router from '@koa/router';
import type { MfaUser } from '@mfakit/core';
import { describeAdminRoutes } from '@mfakit/testing';
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { type GetUser, mfaAdminRouter, mfaRouter, requireMfa } from '../src';
import { enrollTotp, expectProblem, makeHarness } from './helpers';

/** The stand-in primary authentication: `X-Test-User` is the user, `X-Test-Roles` their roles. */
const testAuth: Middleware = async function testAuth(ctx, next) {
  const id = ctx.get('X-Test-User');
  const roles = ctx.get('X-Test-Roles');
  if (id) ctx.state.user = { id, ...(ctx.headers['x-test-roles'] !== undefined ? { roles: roles.split(',') } : {}) };
  await next();
};

/** The whole user, roles included, as an application that authorizes by role hands it over. */
const getUser: GetUser = (ctx) => (ctx.state.user as MfaUser | undefined) ?? null;

describeAdminRoutes('koa', (mfa, admin) => {
  const app = new Koa();
  app.use(testAuth);
  app.use(mfaAdminRouter(mfa, { ...admin, getUser }).routes());
  app.use(mfaRouter(mfa, { getUser }).routes());
  const api = new Router();
  api.get('/protected', requireMfa(mfa, { getUser }), (ctx) => {
    ctx.body = { ok: true };
  });
  app.use(api.routes());
  return { handler: app.callback() };
});

describe('mfaAdminRouter on Koa', () => {
  test('without authorize, with a bad listUsers or maxAge, or a prefix that is not a path: invalid_option at construction', () => {
    const { mfa } = makeHarness();
    const authorize = () => true;
    const bad = [{}, { authorize: true }, { authorize, listUsers: [] }, { authorize, maxAge: 'soon' }, { authorize, prefix: '/' }, { authorize, prefix: 'admin' }, { authorize, bodyLimit: 'lots' }];
    for (const options of bad as unknown as Parameters<typeof mfaAdminRouter>[1][]) {
      expect(() => mfaAdminRouter(mfa, options)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
  });

  test("another prefix: the routes live under it; other paths stay the application's", async () => {
    const h = makeHarness();
    const { sessionToken } = await enrollTotp(h, 'root');
    const app = new Koa();
    app.use(testAuth);
    app.use(mfaAdminRouter(h.mfa, { authorize: (user) => user.roles?.includes('admin') ?? false, getUser, prefix: '/ops/mfa' }).routes());
    app.use((ctx) => {
      ctx.body = { app: ctx.path };
    });
    const res = await request(app.callback()).get('/ops/mfa/report').set('X-Test-User', 'root').set('X-Test-Roles', 'admin').set('X-Session-Token', sessionToken);
    expect(res.status).toBe(200);
    expect(res.body.totals).toMatchObject({ users: 1, enrolled: 1 });
    expectProblem(await request(app.callback()).get('/ops/mfa/nope').set('X-Test-User', 'root'), 404, 'not_found');
    expect((await request(app.callback()).get('/mfa/admin/report').expect(200)).body).toEqual({ app: '/mfa/admin/report' });
  });

  test('requireMfa({ always: true }) demands MFA of a user whom the policy does not require', async () => {
    const { mfa } = makeHarness({ mfa: { policy: { required: { roles: ['admin'] } } } });
    const api = new Router();
    api.get('/relaxed', requireMfa(mfa, { getUser }), (ctx) => {
      ctx.body = { ok: true };
    });
    api.get('/always', requireMfa(mfa, { getUser, always: true }), (ctx) => {
      ctx.body = { ok: true };
    });
    const app = new Koa();
    app.use(testAuth);
    app.use(api.routes());
    expect((await request(app.callback()).get('/relaxed').set('X-Test-User', 'carol')).status).toBe(200);
    expectProblem(await request(app.callback()).get('/always').set('X-Test-User', 'carol'), 403, 'mfa_enrollment_required');
    expect(() => requireMfa(mfa, { always: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});
