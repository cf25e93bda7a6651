/**
 * Threat: a Koa app whose requireMfa lets a request reach what lies downstream of a denial, reads
 * the user from somewhere the primary authentication did not put it, or takes a bad option
 * silently. A denial must not call `next`; the user comes from `ctx.state.user` (its `id`, else
 * the `sub` claim koa-jwt leaves) or from `getUser`; bad options throw at construction. (What
 * requireMfa answers is the adapter contract, run in contract.test.ts.)
 */
import { MfaError } from '@mfakit/core';
import { BAD_REQUIREMENTS } from '@mfakit/testing';
import Koa from 'koa';
import request from 'supertest';
import { requireFreshMfa, requireMfa } from '../src';
import { expectProblem, makeHarness } from './helpers';

test('a denial does not call next: nothing downstream runs', async () => {
  const h = makeHarness();
  const reached = jest.fn();
  const app = new Koa();
  app.use(requireMfa(h.mfa));
  app.use(reached);
  expectProblem(await request(app.callback()).get('/anything'), 401, 'authentication_required');
  expect(reached).not.toHaveBeenCalled();
});

describe('where the user comes from', () => {
  const appWith = (h: ReturnType<typeof makeHarness>, state: object, options: Parameters<typeof requireMfa>[1] = {}) => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      Object.assign(ctx.state, state);
      await next();
    });
    app.use(requireMfa(h.mfa, options));
    app.use((ctx) => {
      ctx.body = ctx.state.mfa;
    });
    return app.callback();
  };

  test("by default ctx.state.user's id, else its sub claim (koa-jwt); anything else is no user", async () => {
    const h = makeHarness({ mfa: { exempt: () => true } });
    expect(
      (
        await request(appWith(h, { user: { id: 42 } }))
          .get('/')
          .expect(200)
      ).body.userId,
    ).toBe('42');
    expect(
      (
        await request(appWith(h, { user: { sub: 'auth0|alice' } }))
          .get('/')
          .expect(200)
      ).body.userId,
    ).toBe('auth0|alice');
    for (const user of [undefined, {}, { id: { nested: 1 } }, 'alice']) {
      expectProblem(await request(appWith(h, { user })).get('/'), 401, 'authentication_required');
    }
  });

  test('getUser reads the user from anywhere else', async () => {
    const h = makeHarness({ mfa: { exempt: () => true } });
    const app = appWith(h, { account: { uid: 'carol' } }, { getUser: (ctx) => ({ id: ctx.state.account.uid }) });
    expect((await request(app).get('/').expect(200)).body.userId).toBe('carol');
  });
});

describe('construction', () => {
  const h = makeHarness();

  test('requireFreshMfa without maxAge throws MfaError invalid_option at construction', () => {
    const build = () => requireFreshMfa(h.mfa, {} as { maxAge: number });
    expect(build).toThrow(MfaError);
    expect(build).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test('requireMfa with a bad maxAge or methods throws invalid_option at construction', () => {
    for (const [, options] of BAD_REQUIREMENTS) {
      expect(() => requireMfa(h.mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
  });

  test('the middleware is a named function (ctx, next), for stack traces and koa-compose', () => {
    const middleware = requireFreshMfa(h.mfa, { maxAge: '5m' });
    expect(middleware.name).toBe('requireMfa');
    expect(middleware.length).toBe(2);
  });
});
