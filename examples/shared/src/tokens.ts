import { createSecretKey, type KeyObject } from 'node:crypto';
import { type HttpResult, NO_STORE, problemResponse } from '@mfakit/core';
import jwt from 'jsonwebtoken';
import { problem } from './problems';
import { checkPassword, findUser } from './users';

const ACCESS_TOKEN_TTL_SECONDS = 3600; // 1 h: the demo's primary session
const MAX_USERNAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 256;
/** Pinned: no 'none', no RS/HS confusion. */
export const JWT_ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/**
 * The HS256 key as a KeyObject, so jsonwebtoken never mistakes it for a PEM string (and, with a
 * plain string, spends about 40 times longer on every verify).
 */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** `POST /auth/login {username, password}` -> `{accessToken}`: an HS256 JWT, `sub` = user id, 1 h. */
export function login(body: unknown, key: KeyObject): HttpResult {
  const { username, password } = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (
    typeof username !== 'string' ||
    typeof password !== 'string' ||
    username.length === 0 ||
    password.length === 0 ||
    username.length > MAX_USERNAME_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    return problem('invalid_request', `Send {"username": "...", "password": "..."} as JSON (at most ${MAX_USERNAME_LENGTH} and ${MAX_PASSWORD_LENGTH} characters).`);
  }
  const user = checkPassword(username, password);
  if (!user) return problem('invalid_credentials', 'The username or password is wrong.');
  const accessToken = jwt.sign({}, key, { algorithm: 'HS256', subject: user.id, expiresIn: ACCESS_TOKEN_TTL_SECONDS });
  return { status: 200, headers: { ...NO_STORE }, body: { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS } };
}

/** The user a verified JWT payload names, if that user still exists. */
export function userOfClaims(payload: jwt.JwtPayload | string): { id: string } | null {
  const sub = typeof payload === 'string' ? undefined : payload.sub;
  const user = typeof sub === 'string' ? findUser(sub) : undefined;
  return user ? { id: user.id } : null;
}

/**
 * The 401 answer to a missing or bad access token, with its RFC 6750 challenge. `reason` is what
 * the JWT check said: 'missing', 'expired', or anything else for a token that does not verify.
 */
export function authenticationRequired(reason: 'missing' | 'expired' | 'invalid'): HttpResult {
  if (reason === 'missing') {
    return problemResponse({ code: 'authentication_required', detail: 'Sign in first: send Authorization: Bearer <accessToken from POST /auth/login>.', headers: { 'WWW-Authenticate': 'Bearer' } });
  }
  const detail = reason === 'expired' ? 'Your sign-in has expired; sign in again.' : 'The access token is not valid; sign in again.';
  return problemResponse({ code: 'authentication_required', detail, headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail}"` } });
}

/**
 * Checks `Authorization: Bearer <JWT>` for frameworks without passport: the user, or the 401
 * answer. (The Express and NestJS demos use passport-jwt, which does the same.)
 */
export function verifyBearer(authorization: string | undefined, key: KeyObject): { id: string } | HttpResult {
  const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(authorization ?? '');
  if (!match) return authenticationRequired('missing');
  try {
    return userOfClaims(jwt.verify(match[1]!, key, { algorithms: JWT_ALGORITHMS })) ?? authenticationRequired('invalid');
  } catch (err) {
    return authenticationRequired((err as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid');
  }
}
