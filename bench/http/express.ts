import { requireMfa } from '@mfakit/express';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { BENCH_USER, type Fixture, JWT_ALGORITHMS, ROUTE, userOfPayload, type Variant } from './lib/fixture';
import type { Floor } from './lib/floor';

/**
 * The Express server of a variant: `bare` answers the route with nothing in front; `jwt` puts
 * passport-jwt in front (the baseline); `floor-*` put the least a session check does after it
 * (lib/floor.ts); `mfa-*` put requireMfa after it, as the README does.
 */
export function expressApp(variant: Variant, fixture: Fixture): Express {
  const app = express();
  if (variant === 'bare') {
    app.get(ROUTE, (_req, res) => {
      res.json({ userId: BENCH_USER });
    });
    return app;
  }
  const chain: RequestHandler[] = [passportJwt(fixture)];
  if (fixture.mfa) chain.push(requireMfa(fixture.mfa));
  if (fixture.floor) chain.push(floorCheck(fixture.floor));
  if (variant === 'jwt-noop') chain.push(noop);
  app.get(ROUTE, ...chain, (req, res) => {
    res.json({ userId: req.user!.id });
  });
  return app;
}

/** The floor of any middleware: a layer of Express's router that sets what requireMfa sets and goes on, synchronously. */
const noop: RequestHandler = function noop(req, _res, next) {
  (req as { mfa?: unknown }).mfa = null;
  next();
};

/** The floor of a session check as an Express middleware: the token's hash looked up, `req.mfa` set, on to the handler; else a 401. */
function floorCheck(floor: Floor): RequestHandler {
  const deny = (res: Response) => void res.status(401).json({ code: 'mfa_required' });
  return function floorCheck(req, res, next) {
    const token = req.headers['x-session-token'];
    const live = floor.check(typeof token === 'string' ? token : undefined, req.user!.id);
    if (live === true) {
      (req as { mfa?: unknown }).mfa = null;
      return next();
    }
    if (live === false) return deny(res);
    return live.then((ok) => {
      if (!ok) return deny(res);
      (req as { mfa?: unknown }).mfa = null;
      next();
    });
  };
}

/** passport-jwt with the key as a KeyObject, on a passport instance of its own. */
function passportJwt(fixture: Fixture): RequestHandler {
  const authenticator = new Passport();
  authenticator.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
        secretOrKey: fixture.key as unknown as Buffer,
        algorithms: JWT_ALGORITHMS,
      },
      (payload: jwt.JwtPayload, done: (err: unknown, user?: Express.User | false) => void) => done(null, userOfPayload(payload) ?? false),
    ),
  );
  return authenticator.authenticate('jwt', { session: false }) as RequestHandler;
}
