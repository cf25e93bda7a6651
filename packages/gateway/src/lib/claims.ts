import type { MfaUser } from '@mfakit/core';
import type { JWTPayload } from 'jose';

// What the token verifier reads of a verified token's claims (the user, the roles, `amr` and
// `auth_time`), and the failure it answers for each error of jose's.

/** The longest user id, as `MfaUser.id` allows. */
export const MAX_USER_ID_LENGTH = 256;

/**
 * Why a bearer token was refused. `detail` says more, for logs; neither ever holds the token.
 * - `malformed`: not `Bearer <token>`, not a compact JWS, or a header or claims set that is not JSON.
 * - `too_large`: longer than `MAX_TOKEN_LENGTH` (16 KiB); not parsed.
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

/** The JWKS could not be read. Turned into `jwks_unavailable`, its message naming the cause (such as `ECONNREFUSED`). */
export class JwksUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the JWKS could not be read: ${causeChainOf(cause)}`, { cause });
  }
}

/** A claim the gateway reads has the wrong type. Turned into `claims_invalid`. */
export class InvalidClaim extends Error {}

/**
 * The user a verified token names, or null when it names none: no user claim, or (RFC 9068 §2.2)
 * a user claim equal to `client_id`, the mark of a client's own token (client credentials).
 */
export function userOf(claims: JWTPayload, userClaim: string, roles: string[]): MfaUser | null {
  const value = claims[userClaim];
  if (value === undefined || value === null) return null;
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_USER_ID_LENGTH) {
    throw new InvalidClaim(`the "${userClaim}" claim must be a string of 1 to ${MAX_USER_ID_LENGTH} characters or an integer`);
  }
  if (id === claims.client_id) return null;
  const user: MfaUser = { id, roles };
  const { amr, acr, auth_time: authTime } = claims;
  if (amr !== undefined) {
    if (!isStringList(amr)) throw new InvalidClaim('the "amr" claim must be a list of strings (RFC 8176)');
    user.amr = amr;
  }
  if (acr !== undefined) {
    if (typeof acr !== 'string') throw new InvalidClaim('the "acr" claim must be a string (OpenID Connect Core 2)');
    user.acr = acr;
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
export function rolesOf(value: unknown, rolesClaim: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter((role) => role !== '');
  if (isStringList(value)) return value;
  throw new InvalidClaim(`the "${rolesClaim}" claim must be a list of strings or one space-separated string`);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The reason and detail of a failed verification, from jose's error codes. */
export function failureOf(err: unknown): { reason: TokenFailure; detail: string } {
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

/** The `code` of an error of jose's (or of Node's), or `''`. */
export function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/** An error's message and its causes' (fetch's "fetch failed" says little without its cause). */
export function causeChainOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} (${causeChainOf(err.cause)})` : err.message;
}
