import { writeResult } from '@mfakit/express';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { problemResponse } from '@mfakit/core';
import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { problem } from './problems';
import { checkPassword, findUser } from './users';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: string;
    }
  }
}

const ACCESS_TOKEN_TTL_SECONDS = 3600; // 1 h: the demo's primary session
const MAX_USERNAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 256;
const ALGORITHMS: jwt.Algorithm[] = ['HS256']; // pinned: no 'none', no RS/HS confusion

/** The HS256 key as a KeyObject, so jsonwebtoken never mistakes it for a PEM string. */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * The primary authentication: a passport instance (not passport's global one, so that two demo
 * apps in one process keep their own secrets) with a passport-jwt strategy for `Authorization:
 * Bearer <JWT>`. The JWT's `sub` is the user id, and the user must still exist.
 */
export function jwtPassport(key: KeyObject): InstanceType<typeof Passport> {
  const authenticator = new Passport();
  authenticator.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
        secretOrKey: key as unknown as Buffer,
        algorithms: ALGORITHMS,
      },
      (payload: jwt.JwtPayload, done: (err: unknown, user?: Express.User | false) => void) => {
        const user = typeof payload.sub === 'string' ? findUser(payload.sub) : undefined;
        done(null, user ? { id: user.id } : false);
      },
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
      if (reason.message === 'No auth token') {
        return writeResult(res, problemResponse({ code: 'authentication_required', detail: 'Sign in first: send Authorization: Bearer <accessToken from POST /auth/login>.', headers: { 'WWW-Authenticate': 'Bearer' } }));
      }
      const detail = reason.name === 'TokenExpiredError' ? 'Your sign-in has expired; sign in again.' : 'The access token is not valid; sign in again.';
      writeResult(res, problemResponse({ code: 'authentication_required', detail, headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail}"` } }));
    };
    authenticator.authenticate('jwt', { session: false }, callback)(req, res, next);
  };
}

/** `POST /auth/login {username, password}` -> `{accessToken}`: an HS256 JWT, `sub` = user id, 1 h. */
export function login(key: KeyObject): RequestHandler {
  return function login(req, res) {
    const body = req.body as unknown;
    const { username, password } = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      username.length === 0 ||
      password.length === 0 ||
      username.length > MAX_USERNAME_LENGTH ||
      password.length > MAX_PASSWORD_LENGTH
    ) {
      return writeResult(res, problem('invalid_request', `Send {"username": "...", "password": "..."} as JSON (at most ${MAX_USERNAME_LENGTH} and ${MAX_PASSWORD_LENGTH} characters).`));
    }
    const user = checkPassword(username, password);
    if (!user) return writeResult(res, problem('invalid_credentials', 'The username or password is wrong.'));
    const accessToken = jwt.sign({}, key, { algorithm: 'HS256', subject: user.id, expiresIn: ACCESS_TOKEN_TTL_SECONDS });
    res.set('Cache-Control', 'no-store').json({ accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS });
  };
}
