import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Clock } from '@mfakit/core';
import { type HttpResult, NO_STORE, problemResponse } from '@mfakit/core/http';
import jwt from 'jsonwebtoken';
import { problem } from './problems';
import { checkPassword, findUser } from './users';

const ACCESS_TOKEN_TTL_SECONDS = 3600; // 1 h: the demo's primary session
const MAX_USERNAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 256;
const MAX_AMR_VALUES = 16;
const AMR_VALUE = /^[A-Za-z0-9_-]{1,32}$/; // RFC 8176 values are short tokens ('pwd', 'mfa', 'hwk', ...)
/** Pinned: no 'none', no RS/HS confusion. */
export const JWT_ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/**
 * The user of a verified access token, as the demos hand it to mfakit (passport's `req.user`,
 * Koa's `ctx.state.user`): the id and roles from the demo's user table (never from the token),
 * and the token's RFC 8176 `amr` and OIDC `auth_time` (seconds) when they are well-formed.
 */
export interface DemoPrincipal {
  id: string;
  roles: string[];
  amr?: string[];
  authTime?: number;
}

/**
 * The HS256 key as a KeyObject, so jsonwebtoken never mistakes it for a PEM string (and, with a
 * plain string, spends about 40 times longer on every verify).
 */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * `POST /auth/login {username, password}` -> `{accessToken}`: an HS256 JWT, valid 1 h, with `sub`
 * the user id, `amr: ['pwd']` (RFC 8176: a password) and `auth_time` (OIDC: when, in seconds, by
 * `clock`, the clock mfakit judges proofs by).
 */
export function login(body: unknown, key: KeyObject, clock: Clock): HttpResult {
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
  const claims = { amr: ['pwd'], auth_time: Math.floor(clock.now() / 1000) };
  const accessToken = jwt.sign(claims, key, { algorithm: 'HS256', subject: user.id, expiresIn: ACCESS_TOKEN_TTL_SECONDS });
  return { status: 200, headers: { ...NO_STORE }, body: { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS } };
}

/**
 * An access token as an SSO in front of the demo would issue it (the demo accepts any HS256 JWT
 * signed with its JWT_SECRET whose `sub` names a demo user): `amr: ['pwd', 'mfa']` says the SSO
 * did MFA itself, which the demo trusts at `authTime` (`policy.trustedAmr`). For tests and for
 * trying it by hand.
 *
 * @param secret - The demo's JWT_SECRET.
 * @param claims - `sub`, and optionally `amr` and `authTime` (seconds since the epoch), and how
 *   long the token is valid (`ttlSeconds`, by the wall clock, as the JWT check reads it).
 * @example
 * const token = ssoToken(process.env.JWT_SECRET!, { sub: 'alice', amr: ['pwd', 'mfa'], authTime: Math.floor(Date.now() / 1000) });
 */
export function ssoToken(secret: string, claims: { sub: string; amr?: string[]; authTime?: number; ttlSeconds?: number }): string {
  const payload = { ...(claims.amr ? { amr: claims.amr } : {}), ...(claims.authTime === undefined ? {} : { auth_time: claims.authTime }) };
  return jwt.sign(payload, jwtKey(secret), { algorithm: 'HS256', subject: claims.sub, expiresIn: claims.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS });
}

/**
 * The user a verified JWT payload names, if that user exists: id and roles from the user table,
 * `amr` and `authTime` from the token's `amr` and `auth_time` claims when they have the right
 * types (a list of short strings; a positive finite number), left out when they do not.
 */
export function userOfClaims(payload: jwt.JwtPayload | string): DemoPrincipal | null {
  if (typeof payload === 'string') return null;
  const user = typeof payload.sub === 'string' ? findUser(payload.sub) : undefined;
  if (!user) return null;
  const { amr, auth_time: authTime } = payload as { amr?: unknown; auth_time?: unknown };
  const validAmr = Array.isArray(amr) && amr.length <= MAX_AMR_VALUES && amr.every((value) => typeof value === 'string' && AMR_VALUE.test(value));
  const validTime = typeof authTime === 'number' && Number.isFinite(authTime) && authTime > 0;
  return { id: user.id, roles: user.roles, ...(validAmr ? { amr: [...(amr as string[])] } : {}), ...(validTime ? { authTime } : {}) };
}

/**
 * The 401 answer to a missing or bad access token, with its RFC 6750 challenge. `reason` is what
 * the JWT check said: 'missing', 'expired', or anything else for a token that does not verify.
 */
export function authenticationRequired(reason: 'missing' | 'expired' | 'invalid'): HttpResult {
  if (reason === 'missing') {
    return problemResponse({ code: 'authentication_required', detail: 'Sign in first: send Authorization: Bearer <accessToken from POST /auth/login>.' });
  }
  const detail = reason === 'expired' ? 'Your sign-in has expired; sign in again.' : 'The access token is not valid; sign in again.';
  const answer = problemResponse({ code: 'authentication_required', detail });
  return { ...answer, headers: { ...answer.headers, 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail}"` } };
}

/**
 * Checks `Authorization: Bearer <JWT>` for frameworks without passport: the user, or the 401
 * answer. (The Express and NestJS demos use passport-jwt, which does the same.)
 */
export function verifyBearer(authorization: string | undefined, key: KeyObject): DemoPrincipal | HttpResult {
  const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(authorization ?? '');
  if (!match) return authenticationRequired('missing');
  try {
    return userOfClaims(jwt.verify(match[1]!, key, { algorithms: JWT_ALGORITHMS })) ?? authenticationRequired('invalid');
  } catch (err) {
    return authenticationRequired((err as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid');
  }
}
