import Router from '@koa/router';
import { requireMfa } from '@mfakit/koa';
import jwt from 'jsonwebtoken';
import Koa, { type Middleware } from 'koa';
import { type Fixture, JWT_ALGORITHMS, ROUTE, userOfPayload, type Variant } from './lib/fixture';

const BEARER = /^Bearer ([A-Za-z0-9._-]{1,4096})$/;

/** The Koa server of a variant: `jwt` verifies the token (the baseline); `mfa-*` put requireMfa after it. */
export function koaApp(variant: Variant, fixture: Fixture): Koa {
  if (variant === 'bare') throw new Error('bare is measured on Express only');
  const app = new Koa();
  const router = new Router();
  const chain: Middleware[] = [jwtAuth(fixture)];
  if (fixture.mfa) chain.push(requireMfa(fixture.mfa));
  router.get(ROUTE, ...chain, (ctx) => {
    ctx.body = { userId: (ctx.state.user as { id: string }).id };
  });
  app.use(router.routes());
  return app;
}

/** The primary authentication on Koa: jsonwebtoken's verify with the key as a KeyObject; `ctx.state.user`. */
function jwtAuth(fixture: Fixture): Middleware {
  return async function jwtAuth(ctx, next) {
    const match = BEARER.exec(ctx.get('authorization'));
    let user: { id: string } | null = null;
    if (match) {
      try {
        user = userOfPayload(jwt.verify(match[1]!, fixture.key, { algorithms: JWT_ALGORITHMS }));
      } catch {
        user = null;
      }
    }
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
