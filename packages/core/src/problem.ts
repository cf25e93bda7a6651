/**
 * The stable code of a denial, e.g. `'mfa_required'`: what clients switch on. The HTTP status and
 * title of each are the HTTP contract's (`PROBLEMS` of `@mfakit/core/http`); the README lists them.
 */
export type ProblemCode =
  | 'invalid_request'
  | 'authentication_required'
  | 'invalid_token'
  | 'mfa_required'
  | 'mfa_stale'
  | 'mfa_method_required'
  | 'mfa_grant_invalid'
  | 'mfa_invalid_code'
  | 'webauthn_challenge_invalid'
  | 'webauthn_verification_failed'
  | 'webauthn_counter_regressed'
  | 'mfa_enrollment_required'
  | 'forbidden'
  | 'not_found'
  | 'factor_not_found'
  | 'factor_exists'
  | 'factor_disabled'
  | 'enrollment_not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'mfa_codes_disabled'
  | 'last_factor'
  | 'mfa_locked'
  | 'rate_limited'
  | 'mfa_unavailable'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'request_timeout'
  | 'request_header_fields_too_large'
  | 'internal_error';

/**
 * What a new proof must satisfy, for a denial a proof would answer (RFC 9470): an empty object for
 * any proof, `maxAge` for a recent one, `acrValues` for one of some methods (or the ACR value that
 * stands for them).
 * @see RFC 9470 section 3 (the authentication challenge)
 */
export interface Challenge {
  /** The proof must be at most this many seconds old (0: made now). */
  maxAge?: number;
  /**
   * The proof must meet one of these: the ACR value that stands for the route's methods (`phrh`,
   * `phr`, or an organisation's own, see the `acr` option), or else the RFC 8176 methods themselves.
   */
  acrValues?: string[];
}

/** No usable user from the primary authentication. */
export const SIGN_IN_FIRST: Problem = { code: 'authentication_required', detail: 'Sign in first.' };

/** A store or hook failed: the request is denied, never let through (fail closed). */
export const UNAVAILABLE: Problem = { code: 'mfa_unavailable', detail: 'Multi-factor authentication is unavailable; try again shortly.' };

/**
 * A denial as the core decides it, with no HTTP in it: the code, a sentence for the client, and
 * what the client may do about it. `problemResponse` of `@mfakit/core/http` makes the RFC 9457
 * answer (status, `WWW-Authenticate`, `Retry-After`, body).
 */
export interface Problem {
  /** The stable code. */
  code: ProblemCode;
  /** A sentence for the client about this case; never a secret. */
  detail: string;
  /** Set when a (fresher, other) proof would answer the denial. */
  challenge?: Challenge;
  /** Seconds to wait before trying again (a lock, a rate limit). */
  retryAfter?: number;
}
