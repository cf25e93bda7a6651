import { createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Clock, MfaError, type MfaUser, systemClock } from '@mfakit/core';
import { type CryptoKey, createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify, SignJWT } from 'jose';
import { causeChainOf, codeOf, failureOf, JwksUnavailable, MAX_USER_ID_LENGTH, rolesOf, type TokenFailure, userOf } from './lib/claims';
import { HMAC_ALGORITHMS, MIN_SECRET_LENGTH, PUBLIC_KEY_ALGORITHMS } from './lib/algorithms';
import { VerifiedTokens } from './lib/verifiedTokens';
import type { TokenConfig } from './types';

export type { TokenFailure };

/**
 * The longest bearer token read, in characters: 16 KiB, as much as Node's whole header block holds
 * by default (`--max-http-header-size`). A longer one is `too_large`, refused unparsed.
 *
 * @example
 * await verifier.verify(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`); // { kind: 'invalid', reason: 'too_large', ... }
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A lifetime of `devToken`: a whole number and a unit, as the core's durations are written. */
const LIFETIME = /^(\d+)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * What a request's `Authorization` header proves.
 * - `none`: no header, or another scheme than Bearer (`Basic`, `DPoP`, ...): the request is anonymous.
 * - `invalid`: a bearer token that fails; answer 401 `invalid_token` (RFC 6750 §3.1).
 * - `valid`: a verified token. `user` is null for a token that names no user (a client's own token,
 *   RFC 9068 §2.2): it authenticates, but can never satisfy MFA. `roles` are the token's roles,
 *   with or without a user (the same list as `user.roles`). `claims` is the whole verified claims set.
 *
 * @example
 * const result = await verifier.verify(req.headers.authorization);
 * const user = result.kind === 'valid' ? result.user : null; // what the core's check takes
 * if (result.kind === 'invalid') reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"');
 */
export type TokenResult = { kind: 'none' } | { kind: 'invalid'; reason: TokenFailure; detail: string } | { kind: 'valid'; user: MfaUser | null; roles: string[]; claims: JWTPayload };

/**
 * Verifies the bearer token of a request's `Authorization` header; see {@link createTokenVerifier}.
 *
 * @example
 * const result = await verifier.verify('Bearer eyJhbGciOiJSUzI1NiIs...');
 */
export interface TokenVerifier {
  /**
   * @param authorization - The request's `Authorization` header, as Node hands it over.
   * @returns What the header proves; a failing token is a result, never an exception.
   */
  verify(authorization: string | undefined): Promise<TokenResult>;
}

/**
 * What {@link createTokenVerifier} takes besides the configuration; tests inject these.
 *
 * @example
 * let now = Date.parse('2026-06-01T12:00:00Z');
 * const verifier = createTokenVerifier(config.tokens, { clock: { now: () => now }, timeout: 2000 });
 */
export interface TokenVerifierOptions {
  /** The `fetch` the JWKS of `jwksUri` is read with. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How long a JWKS request may take, in ms. @default 5000 */
  timeout?: number;
  /**
   * How long after a JWKS fetch a token of an unknown `kid` is refused without fetching again, in
   * ms (jose's `cooldownDuration`, judged by `Date.now()`). @default 30_000
   */
  cooldown?: number;
  /** How long a fetched JWKS is used before it is fetched again, in ms (jose's `cacheMaxAge`, judged by `Date.now()`). @default 600_000 */
  cacheMaxAge?: number;
  /** The clock that judges `exp` and `nbf`. @default systemClock */
  clock?: Clock;
  /**
   * Verified tokens remembered by their text, so that a client's next request with the same token
   * is not verified again: at most `max` tokens, each until its `exp` and at most `maxAge` ms
   * (how late a key removed at the identity provider stops a token already verified). A refused
   * token is never remembered. `false` verifies every token.
   * @default { max: 10_000, maxAge: 60_000 }
   */
  remember?: RememberOptions | false;
}

/**
 * How many verified tokens a verifier remembers, and for how long; see `TokenVerifierOptions.remember`.
 *
 * @example
 * createTokenVerifier(config.tokens, { remember: { max: 50_000, maxAge: 30_000 } });
 */
export interface RememberOptions {
  /** How many tokens at most; the oldest is forgotten first. @default 10_000 */
  max?: number;
  /** How long one is remembered at most, in ms (and never past its `exp`). @default 60_000 */
  maxAge?: number;
}

const REMEMBER_MAX = 10_000;
const REMEMBER_MAX_AGE_MS = 60_000;

/** The lifetime of a {@link devToken} when none is given. */
const DEV_TOKEN_LIFETIME = '1h';

/**
 * The claims of a development token; see {@link devToken}.
 *
 * @example
 * const claims: DevTokenClaims = { sub: 'alice', roles: ['admin'], amr: ['pwd'], expiresIn: '15m' };
 */
export interface DevTokenClaims {
  /** The user's id, 1 to 256 characters: `sub`, and the configured `userClaim`. */
  sub: string;
  /** The user's roles, under the configured `rolesClaim`. */
  roles?: string[];
  /** RFC 8176 methods of the (pretended) primary authentication, such as `['pwd']`. */
  amr?: string[];
  /** The lifetime: a whole number and a unit (`s`, `m`, `h`, `d`), such as `'15m'`. @default '1h' */
  expiresIn?: string;
}

/** A verification key, or the function jose calls to find one in a JWKS. */
type KeySource = KeyObject | JWTVerifyGetKey;

/**
 * Creates the verifier of the gateway's bearer tokens: a JWT signed by a key of the identity
 * provider's JWKS (`jwksUri`, `jwksFile`), or with an HS256 `secret` in development. Every token
 * must carry `exp`, an `alg` of `algorithms`, and the configured `iss` and `aud`. The configuration
 * is checked here, once: a bad one throws `MfaError` `invalid_option`.
 *
 * The verifier reads `amr` and `auth_time` into the user and does not judge them: the core's
 * `policy.trustedAmr` decides whether an upstream's MFA counts.
 *
 * @param config - The `tokens` section of the configuration.
 * @param options - The `fetch`, timeouts and clock; see {@link TokenVerifierOptions}.
 * @returns The verifier; it keeps the remote JWKS cached (refetched after `cacheMaxAge`, or for an
 *   unknown `kid` once `cooldown` has passed, so a key rotated at the identity provider is picked up).
 * @throws MfaError `invalid_option` for a bad configuration or an unreadable `jwksFile`.
 * @see RFC 6750 (bearer tokens); RFC 7519 §7.2 (validating a JWT); RFC 9068 (JWT access tokens); RFC 8725 (JWT best practices)
 *
 * @example
 * const verifier = createTokenVerifier({
 *   jwksUri: 'https://id.example.com/.well-known/jwks.json',
 *   issuer: 'https://id.example.com/',
 *   audience: ['https://api.example.com'],
 *   algorithms: ['RS256'],
 *   clockTolerance: 30,
 *   userClaim: 'sub',
 *   rolesClaim: 'roles',
 * });
 * const result = await verifier.verify(request.headers.authorization);
 * if (result.kind === 'invalid') log.info({ reason: result.reason }, result.detail);
 */
export function createTokenVerifier(config: TokenConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  const key = keySourceOf(config, options);
  const clock = options.clock ?? systemClock;
  const userClaim = nonEmpty(config.userClaim, 'tokens.userClaim');
  const rolesClaim = nonEmpty(config.rolesClaim, 'tokens.rolesClaim');
  if (!Number.isFinite(config.clockTolerance) || config.clockTolerance < 0) invalidOption(`tokens.clockTolerance must be a number of seconds, 0 or more, got ${config.clockTolerance}`);
  if (config.audience !== undefined && config.audience.length === 0) invalidOption('tokens.audience must name one audience or more when set');
  const verifyOptions: JWTVerifyOptions = {
    algorithms: config.algorithms,
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockTolerance,
    requiredClaims: ['exp'],
  };
  const remember = options.remember === false ? { max: 0, maxAge: 0 } : options.remember;
  const remembered = new VerifiedTokens<ValidToken>(remember?.max ?? REMEMBER_MAX, remember?.maxAge ?? REMEMBER_MAX_AGE_MS);

  return {
    async verify(authorization) {
      const bearer = bearerTokenOf(authorization);
      if (typeof bearer !== 'string') return bearer;
      const now = clock.now();
      const known = remembered.get(bearer, now);
      if (known !== undefined) return known;
      try {
        const claims = await verifyJwt(bearer, key, { ...verifyOptions, currentDate: new Date(now) });
        const roles = rolesOf(claims[rolesClaim], rolesClaim);
        // Valid while jose would still pass its `exp` (required, a number once verified).
        const expiresAt = ((claims.exp as number) + config.clockTolerance) * 1000;
        return remembered.add(bearer, { kind: 'valid', user: userOf(claims, userClaim, roles), roles, claims }, now, expiresAt);
      } catch (err) {
        return { kind: 'invalid', ...failureOf(err) };
      }
    },
  };
}

type ValidToken = Extract<TokenResult, { kind: 'valid' }>;

/**
 * Signs a development token that the gateway's own verifier accepts: HS256 (or the first HMAC
 * algorithm of `algorithms`) with `tokens.secret`, with the configured issuer and audience, `iat`
 * and `auth_time` now, `exp` after `expiresIn`. The backing of `mfakit-gateway token`.
 *
 * @param config - The `tokens` section of the configuration; it must have `secret`.
 * @param claims - The user, roles, `amr` and lifetime; see {@link DevTokenClaims}.
 * @param options - `clock`: the time of `iat`, `auth_time` and `exp` (default `systemClock`).
 * @returns The compact JWT, for `Authorization: Bearer <token>`.
 * @throws MfaError `invalid_option` when there is no `secret` (tokens then come from the identity
 *   provider), or for a bad `sub` or `expiresIn`.
 *
 * @example
 * const token = await devToken(config.tokens, { sub: 'alice', roles: ['admin'], amr: ['pwd'], expiresIn: '15m' });
 * await fetch('http://127.0.0.1:8080/api/me', { headers: { authorization: `Bearer ${token}` } });
 */
export async function devToken(config: TokenConfig, claims: DevTokenClaims, options: { clock?: Clock } = {}): Promise<string> {
  if (config.secret === undefined) {
    invalidOption('`mfakit-gateway token` signs tokens only when tokens.secret is set (development); with jwks_uri or jwks_file, get a token from your identity provider');
  }
  const secret = secretKeyOf(config.secret, config.algorithms);
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > MAX_USER_ID_LENGTH) invalidOption(`the token's sub must be 1 to ${MAX_USER_ID_LENGTH} characters`);
  const lifetime = LIFETIME.exec(claims.expiresIn ?? DEV_TOKEN_LIFETIME);
  if (lifetime === null) invalidOption(`expiresIn must be a whole number and a unit, such as '15m', '1h' or '7d', got ${JSON.stringify(claims.expiresIn)}`);
  const now = Math.floor((options.clock ?? systemClock).now() / 1000);
  const payload: JWTPayload = { sub: claims.sub, [config.userClaim]: claims.sub, auth_time: now };
  if (claims.roles !== undefined) payload[config.rolesClaim] = claims.roles;
  if (claims.amr !== undefined) payload.amr = claims.amr;
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: config.algorithms.find((alg) => HMAC_ALGORITHMS.includes(alg)) ?? 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + Number(lifetime[1]) * UNIT_SECONDS[lifetime[2] as keyof typeof UNIT_SECONDS]);
  if (config.issuer !== undefined) jwt.setIssuer(config.issuer);
  const audience = config.audience?.length === 1 ? config.audience[0] : config.audience;
  if (audience !== undefined) jwt.setAudience(audience);
  return jwt.sign(secret);
}

/** The key source of the configuration, its algorithms checked against it. */
function keySourceOf(config: TokenConfig, options: TokenVerifierOptions): KeySource {
  const sources = [config.jwksUri, config.jwksFile, config.secret].filter((source) => source !== undefined);
  if (sources.length !== 1) invalidOption(`tokens needs exactly one of jwks_uri, jwks_file and secret, got ${sources.length}`);
  if (!Array.isArray(config.algorithms) || config.algorithms.length === 0) invalidOption('tokens.algorithms must name one JWS algorithm or more');
  if (config.secret !== undefined) return secretKeyOf(config.secret, config.algorithms);
  const unfit = config.algorithms.filter((alg) => !PUBLIC_KEY_ALGORITHMS.includes(alg));
  if (unfit.length > 0) invalidOption(`tokens.algorithms must be public-key algorithms with a JWKS (such as RS256, PS256, ES256, EdDSA), got ${unfit.join(', ')}`);
  if (config.jwksFile !== undefined) return guarded(createLocalJWKSet(readJwksFile(config.jwksFile)));
  return guarded(
    createRemoteJWKSet(jwksUrlOf(config.jwksUri), {
      timeoutDuration: options.timeout,
      cooldownDuration: options.cooldown,
      cacheMaxAge: options.cacheMaxAge,
      ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
    }),
  );
}

function jwksUrlOf(jwksUri: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(String(jwksUri));
  } catch (cause) {
    return invalidOption(`tokens.jwks_uri is not a URL: ${JSON.stringify(jwksUri)}`, cause);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') invalidOption(`tokens.jwks_uri must be an http(s) URL, got ${url.protocol}`);
  return url;
}

/** The HMAC key of a secret, refused when short or when `algorithms` holds any other than HS256/384/512. */
function secretKeyOf(secret: string, algorithms: string[]): KeyObject {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) invalidOption(`tokens.secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const unfit = algorithms.filter((alg) => !HMAC_ALGORITHMS.includes(alg));
  if (unfit.length > 0) invalidOption(`tokens.algorithms must be HS256, HS384 or HS512 with a secret, got ${unfit.join(', ')}`);
  // A KeyObject, made once: given raw bytes, jose would import the key again on every token.
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** The JWKS of a file, read once; refused when unreadable or when it holds private or symmetric keys. */
function readJwksFile(file: string): JSONWebKeySet {
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    return invalidOption(`tokens.jwks_file ${file} is not a readable JSON file: ${causeChainOf(cause)}`, cause);
  }
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) invalidOption(`tokens.jwks_file ${file} is not a JWKS: it has no "keys" list`);
  if (jwks.keys.some((jwk) => typeof jwk !== 'object' || jwk === null || 'd' in jwk || 'k' in jwk)) {
    invalidOption(`tokens.jwks_file ${file} holds a private or symmetric key; it must hold the identity provider's public keys only`);
  }
  return jwks;
}

/** A JWKS lookup whose failures to read the set (not a missing key) become {@link JwksUnavailable}. */
function guarded(jwks: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      if (['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED'].includes(codeOf(err))) throw err;
      throw new JwksUnavailable(err);
    }
  };
}

/**
 * Verifies a compact JWT. When the token has no `kid` and several keys of the JWKS fit, each is
 * tried in turn (as jose's `JWKSMultipleMatchingKeys` documents), as happens during a key rotation.
 */
async function verifyJwt(token: string, key: KeySource, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, key, options)).payload;
  } catch (err) {
    if (codeOf(err) !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
    for await (const candidate of err as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (inner) {
        if (codeOf(inner) !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed('the signature verifies with none of the keys that fit');
  }
}

/** The token of a Bearer header, or the result of a header that has none or a bad one. */
function bearerTokenOf(authorization: string | undefined): string | TokenResult {
  if (authorization === undefined) return { kind: 'none' };
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'none' };
  const token = space === -1 ? '' : authorization.slice(space).replace(/^ +/, '');
  if (token.length > MAX_TOKEN_LENGTH) return { kind: 'invalid', reason: 'too_large', detail: `the bearer token is ${token.length} characters, more than ${MAX_TOKEN_LENGTH}` };
  if (!B64TOKEN.test(token)) return { kind: 'invalid', reason: 'malformed', detail: 'the Authorization header is not "Bearer <token>" (RFC 6750 §2.1)' };
  return token;
}

function nonEmpty(value: string, option: string): string {
  if (typeof value !== 'string' || value === '') invalidOption(`${option} must be a claim name`);
  return value;
}

function invalidOption(message: string, cause?: unknown): never {
  throw new MfaError('invalid_option', message, { cause });
}
