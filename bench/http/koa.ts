import Router from '@koa/router';
import { requireMfa } from '@mfakit/koa';
import Koa, { type Context, type Middleware } from 'koa';
import { bearerUser, type Fixture, ROUTE, type Variant } from './lib/fixture';
import type { Floor } from './lib/floor';

/**
 * The Koa server of a variant: `jwt` verifies the token (the baseline); `floor-*` put the least a
 * session check does after it (lib/floor.ts); `mfa-*` put requireMfa after it.
 */
export function koaApp(variant: Variant, fixture: Fixture): Koa {
  if (variant === 'bare') throw new Error('bare is measured on Express only');
  const app = new Koa();
  const router = new Router();
  const chain: Middleware[] = [jwtAuth(fixture)];
  if (fixture.mfa) chain.push(requireMfa(fixture.mfa));
  if (fixture.floor) chain.push(floorCheck(fixture.floor));
  router.get(ROUTE, ...chain, (ctx) => {
    ctx.body = { userId: (ctx.state.user as { id: string }).id };
  });
  app.use(router.routes());
  return app;
}

/** The floor of a session check as a Koa middleware: the token's hash looked up, `ctx.state.mfa` set, on to `next`; else a 401. */
function floorCheck(floor: Floor): Middleware {
  const deny = (ctx: Context) => {
    ctx.status = 401;
    ctx.body = { code: 'mfa_required' };
  };
  return function floorCheck(ctx, next) {
    const token = ctx.headers['x-session-token'];
    const live = floor.check(typeof token === 'string' ? token : undefined, (ctx.state.user as { id: string }).id);
    if (live === true) {
      (ctx.state as { mfa?: unknown }).mfa = null;
      return next();
    }
    if (live === false) return deny(ctx);
    return live.then((ok) => {
      if (!ok) return deny(ctx);
      (ctx.state as { mfa?: unknown }).mfa = null;
      return next();
    });
  };
}

/** The primary authentication on Koa: jsonwebtoken's verify with the key as a KeyObject; `ctx.state.user`. */
function jwtAuth(fixture: Fixture): Middleware {
  return async function jwtAuth(ctx, next) {
    const user = bearerUser(ctx.get('authorization'), fixture);
    if (!user) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { code: 'authentication_required' };
      return;
    }
    ctx.state.user = user;
    await next();
  };
}
