import { readFileSync } from 'node:fs';
import { type Clock, MfaError, type MfaUser, systemClock } from '@mfakit/core';
import { type CryptoKey, createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify, SignJWT } from 'jose';
import type { TokenConfig } from './types';

/**
 * The longest bearer token read, in characters: 16 KiB, as much as Node's whole header block holds
 * by default (`--max-http-header-size`). A longer one is `too_large`, refused unparsed.
 *
 * @example
 * await verifier.verify(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`); // { kind: 'invalid', reason: 'too_large', ... }
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** The longest user id, as `MfaUser.id` allows. */
const MAX_USER_ID_LENGTH = 256;

/** The shortest `tokens.secret`: 32 characters, the 256 bits RFC 7518 §3.2 asks of an HS256 key. */
const MIN_SECRET_LENGTH = 32;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);

/** The public-key JWS algorithms of jose 6 (RFC 7518 §3.1, RFC 8037, ML-DSA). */
const PUBLIC_KEY_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);

/** A lifetime of `devToken`: a whole number and a unit, as the core's durations are written. */
const LIFETIME = /^(\d+)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * Why a bearer token was refused. `detail` says more, for logs; neither ever holds the token.
 * - `malformed`: not `Bearer <token>`, not a compact JWS, or a header or claims set that is not JSON.
 * - `too_large`: longer than {@link MAX_TOKEN_LENGTH}; not parsed.
 * - `algorithm_not_allowed`: an `alg` outside `tokens.algorithms`, `none` included, and `HS256` at a JWKS verifier.
 * - `key_not_found`: no key of the JWKS fits the token's `kid` and `alg`, even after fetching the JWKS again.
 * - `signature_invalid`: the signature does not verify.
 * - `jwks_unavailable`: the JWKS could not be fetched, or what came back is not a usable JWKS.
 * - `expired`, `not_yet_valid`: `exp` or `nbf`, beyond `tokens.clockTolerance`.
 * - `issuer_mismatch`, `audience_mismatch`: `iss` or `aud` missing or not the configured one.
 * - `claims_invalid`: no `exp`, or a claim of the wrong type (`nbf`, `iat`, the user claim, the roles claim, `amr`, `auth_time`).
 * - `verification_failed`: anything else (such as an RSA key under 2048 bits).
 *
 * @example
 * if (result.kind === 'invalid' && result.reason === 'jwks_unavailable') log.error(result.detail); // the IdP, not the caller
 */
export type TokenFailure =
  | 'malformed'
  | 'too_large'
  | 'algorithm_not_allowed'
  | 'key_not_found'
  | 'signature_invalid'
  | 'jwks_unavailable'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'claims_invalid'
  | 'verification_failed';

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
}

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
type KeySource = Uint8Array | JWTVerifyGetKey;

/** The JWKS could not be read. Turned into `jwks_unavailable`, its message naming the cause (such as `ECONNREFUSED`). */
class JwksUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the JWKS could not be read: ${causeChainOf(cause)}`, { cause });
  }
}

/** A claim the gateway reads has the wrong type. Turned into `claims_invalid`. */
class InvalidClaim extends Error {}

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

  return {
    async verify(authorization) {
      const bearer = bearerTokenOf(authorization);
      if (typeof bearer !== 'string') return bearer;
      try {
        const claims = await verifyJwt(bearer, key, { ...verifyOptions, currentDate: new Date(clock.now()) });
        const roles = rolesOf(claims[rolesClaim], rolesClaim);
        return { kind: 'valid', user: userOf(claims, userClaim, roles), roles, claims };
      } catch (err) {
        return { kind: 'invalid', ...failureOf(err) };
      }
    },
  };
}

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
    .setProtectedHeader({ alg: config.algorithms.find((alg) => HMAC_ALGORITHMS.has(alg)) ?? 'HS256', typ: 'JWT' })
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
  const unfit = config.algorithms.filter((alg) => !PUBLIC_KEY_ALGORITHMS.has(alg));
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
function secretKeyOf(secret: string, algorithms: string[]): Uint8Array {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) invalidOption(`tokens.secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const unfit = algorithms.filter((alg) => !HMAC_ALGORITHMS.has(alg));
  if (unfit.length > 0) invalidOption(`tokens.algorithms must be HS256, HS384 or HS512 with a secret, got ${unfit.join(', ')}`);
  return new TextEncoder().encode(secret);
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

/**
 * The user a verified token names, or null when it names none: no user claim, or (RFC 9068 §2.2)
 * a user claim equal to `client_id`, the mark of a client's own token (client credentials).
 */
function userOf(claims: JWTPayload, userClaim: string, roles: string[]): MfaUser | null {
  const value = claims[userClaim];
  if (value === undefined || value === null) return null;
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_USER_ID_LENGTH) {
    throw new InvalidClaim(`the "${userClaim}" claim must be a string of 1 to ${MAX_USER_ID_LENGTH} characters or an integer`);
  }
  if (id === claims.client_id) return null;
  const user: MfaUser = { id, roles };
  const { amr, auth_time: authTime } = claims;
  if (amr !== undefined) {
    if (!isStringList(amr)) throw new InvalidClaim('the "amr" claim must be a list of strings (RFC 8176)');
    user.amr = amr;
  }
  if (authTime !== undefined) {
    if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime < 0) throw new InvalidClaim('the "auth_time" claim must be a number of seconds since the epoch');
    user.authTime = authTime;
  }
  return user;
}

/**
 * The roles of a claim: a list of strings, or one space-separated string (as OAuth's `scope`).
 * Any other type is refused rather than read as no roles, since a rule may deny by role.
 */
function rolesOf(value: unknown, rolesClaim: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter((role) => role !== '');
  if (isStringList(value)) return value;
  throw new InvalidClaim(`the "${rolesClaim}" claim must be a list of strings or one space-separated string`);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The reason and detail of a failed verification, from jose's error codes. */
function failureOf(err: unknown): { reason: TokenFailure; detail: string } {
  // The message only: a cause, such as JSON.parse's SyntaxError, may quote the token's content.
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof JwksUnavailable) return { reason: 'jwks_unavailable', detail };
  if (err instanceof InvalidClaim) return { reason: 'claims_invalid', detail };
  switch (codeOf(err)) {
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return { reason: 'malformed', detail };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { reason: 'algorithm_not_allowed', detail };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { reason: 'key_not_found', detail };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'signature_invalid', detail };
    case 'ERR_JWT_EXPIRED':
      return { reason: 'expired', detail };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return { reason: claimFailureOf(err as { claim?: string; reason?: string }), detail };
    default:
      return { reason: 'verification_failed', detail };
  }
}

function claimFailureOf({ claim, reason }: { claim?: string; reason?: string }): TokenFailure {
  if (claim === 'iss') return 'issuer_mismatch';
  if (claim === 'aud') return 'audience_mismatch';
  if (claim === 'nbf' && reason === 'check_failed') return 'not_yet_valid';
  return 'claims_invalid';
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/** An error's message and its causes' (fetch's "fetch failed" says little without its cause). */
function causeChainOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} (${causeChainOf(err.cause)})` : err.message;
}

function nonEmpty(value: string, option: string): string {
  if (typeof value !== 'string' || value === '') invalidOption(`${option} must be a claim name`);
  return value;
}

function invalidOption(message: string, cause?: unknown): never {
  throw new MfaError('invalid_option', message, { cause });
}
