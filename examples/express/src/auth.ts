import type { KeyObject } from 'node:crypto';
import type { Clock } from '@mfakit/core';
import { authenticationRequired, JWT_ALGORITHMS, login, userOfClaims } from '@mfakit/example-shared';
import { writeResult } from '@mfakit/express';
import type { RequestHandler } from 'express';
import type jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // What passport-jwt leaves on req.user (a DemoPrincipal). Optional but for `id`: this
    // declaration is global, and the workspace's type check sees other apps' users too.
    interface User {
      id: string;
      roles?: string[];
      amr?: string[];
      authTime?: number;
    }
  }
}

/**
 * The primary authentication: a passport instance (not passport's global one, so that two demo
 * apps in one process keep their own secrets) with a passport-jwt strategy for `Authorization:
 * Bearer <JWT>`. Any HS256 JWT signed with the demo's secret whose `sub` names a demo user passes;
 * `req.user` is that user with the roles of the user table and the token's `amr` and `auth_time`
 * (see `userOfClaims`), which mfakit reads (`mfaUserOf`).
 */
export function jwtPassport(key: KeyObject): InstanceType<typeof Passport> {
  const authenticator = new Passport();
  authenticator.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
        secretOrKey: key as unknown as Buffer,
        algorithms: JWT_ALGORITHMS,
      },
      (payload: jwt.JwtPayload, done: (err: unknown, user?: Express.User | false) => void) => done(null, userOfClaims(payload) ?? false),
    ),
  );
  return authenticator;
}

/**
 * Runs passport-jwt and answers a missing or bad token with a 401 problem (RFC 6750 challenge)
 * instead of passport's plain-text "Unauthorized".
 */
export function requireAuth(authenticator: InstanceType<typeof Passport>): RequestHandler {
  return function requireAuth(req, res, next) {
    const callback = (err: unknown, user: Express.User | false | undefined, info: unknown) => {
      if (err) return next(err);
      if (user) {
        req.user = user;
        return next();
      }
      const reason = (info as { name?: string; message?: string } | undefined) ?? {};
      writeResult(res, authenticationRequired(reason.message === 'No auth token' ? 'missing' : reason.name === 'TokenExpiredError' ? 'expired' : 'invalid'));
    };
    authenticator.authenticate('jwt', { session: false }, callback)(req, res, next);
  };
}

/** `POST /auth/login`: the shared login, written out; `clock` dates the token's `auth_time`. */
export function loginRoute(key: KeyObject, clock: Clock): RequestHandler {
  return function loginRoute(req, res) {
    writeResult(res, login(req.body, key, clock));
  };
}
