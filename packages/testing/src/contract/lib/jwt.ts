import { createHmac, timingSafeEqual } from 'node:crypto';

/** The algorithms the suite signs with: the demos accept HS256 only, the others are forgeries. */
export type JwtAlgorithm = 'HS256' | 'HS512' | 'none';

const HMAC: Record<Exclude<JwtAlgorithm, 'none'>, string> = { HS256: 'sha256', HS512: 'sha512' };

const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function hmac(algorithm: Exclude<JwtAlgorithm, 'none'>, secret: string, input: string): string {
  return createHmac(HMAC[algorithm], Buffer.from(secret, 'utf8')).update(input).digest('base64url');
}

/**
 * A compact JWS (RFC 7515) as jsonwebtoken would sign it: `{alg, typ: 'JWT'}`, the claims, and an
 * HMAC over both (nothing for 'none'). Written here so the suite needs no JWT library and can
 * make the tokens a demo must refuse.
 */
export function signJwt(claims: Record<string, unknown>, secret: string, algorithm: JwtAlgorithm = 'HS256'): string {
  const input = `${part({ alg: algorithm, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${algorithm === 'none' ? '' : hmac(algorithm, secret, input)}`;
}

/** Claims for `sub`, issued now (the wall clock, as the demos' JWT check reads it) and valid `ttlSeconds`. */
export function claimsFor(sub: string | undefined, ttlSeconds: number, issuedAt = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return { ...(sub === undefined ? {} : { sub }), iat: issuedAt, exp: issuedAt + ttlSeconds };
}

/**
 * An access token as an SSO in front of the demo would issue it: HS256 for `sub`, valid an hour by
 * the wall clock, with whatever else `extra` says (`amr`, `auth_time` in seconds, forged `roles`).
 */
export function ssoJwt(sub: string, extra: Record<string, unknown>, secret: string): string {
  return signJwt({ ...claimsFor(sub, 3600), ...extra }, secret);
}

/** A token's header and claims, and whether its HS256 signature is right for `secret`. */
export function decodeJwt(token: string, secret: string): { header: Record<string, unknown>; claims: Record<string, unknown>; validHs256: boolean } {
  const [header = '', claims = '', signature = ''] = token.split('.');
  const parse = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
  const expected = Buffer.from(hmac('HS256', secret, `${header}.${claims}`));
  const given = Buffer.from(signature);
  return { header: parse(header), claims: parse(claims), validHs256: given.length === expected.length && timingSafeEqual(given, expected) };
}
