import type { Outcome } from '../outcome';
import type { Challenge, Problem, ProblemCode } from '../problem';
import type { IssuedSession } from '../session/sessions';

/**
 * RFC 9457 problem details: the body of every error answer of the HTTP contract, with a stable
 * `code` that clients switch on. Each code maps to its HTTP `status` and a short `title`; the
 * status goes with the code, and adapters write both unchanged.
 * @see RFC 9457 (problem details for HTTP APIs); the README's error table
 */
export const PROBLEMS = {
  /** Malformed JSON, wrong types, missing fields, a malformed id. */
  invalid_request: { status: 400, title: 'The request is malformed' },
  /** No user from the primary authentication (with `WWW-Authenticate: Bearer`). */
  authentication_required: { status: 401, title: 'Primary authentication is required' },
  /** The gateway: the bearer token sent is malformed, expired, or not signed by a trusted key (with `WWW-Authenticate: Bearer error="invalid_token"`). RFC 6750 3.1. */
  invalid_token: { status: 401, title: 'The access token is not valid' },
  /** No valid MFA session (with the RFC 9470 `insufficient_user_authentication` challenge). */
  mfa_required: { status: 401, title: 'Multi-factor authentication is required' },
  /** The last proof is older than the route's `maxAge`, or the risk hook asked for a new one (challenge with `max_age`). */
  mfa_stale: { status: 401, title: 'A more recent multi-factor proof is required' },
  /** The route needs an RFC 8176 method the session lacks (challenge with `acr_values`: `phrh`, `phr` or the methods). */
  mfa_method_required: { status: 401, title: 'A different authentication method is required' },
  /** The `X-MFA-Grant` sent is unknown, spent, expired, or made for another request or body (challenge with `max_age=0`). */
  mfa_grant_invalid: { status: 401, title: 'The step-up grant is not valid for this request' },
  /** A wrong, expired or already used code. */
  mfa_invalid_code: { status: 401, title: 'The code is not valid' },
  /** The WebAuthn response answers no live challenge of this user and ceremony (replayed, expired). */
  webauthn_challenge_invalid: { status: 401, title: 'The WebAuthn challenge is unknown, expired or used' },
  /** The WebAuthn response does not verify (signature, origin, RP id, flags); `detail` says why. */
  webauthn_verification_failed: { status: 401, title: "The authenticator's response could not be verified" },
  /** The signature counter went backwards: a cloned authenticator. */
  webauthn_counter_regressed: { status: 401, title: 'The signature counter went backwards: the authenticator may be cloned' },
  /** MFA is required and the user has no factor, or the action needs a proof the user cannot make. */
  mfa_enrollment_required: { status: 403, title: 'A second factor must be enrolled first' },
  /** An admin route, and `authorize` said no. */
  forbidden: { status: 403, title: 'Not allowed' },
  /** No such route, or the feature (WebAuthn, codes by email or SMS) is not configured. */
  not_found: { status: 404, title: 'No such route' },
  /** The user has no factor with this id (of the kind the action needs). */
  factor_not_found: { status: 404, title: 'No such factor' },
  /** The authenticator is registered already: for this user, or (its credential id) for another. */
  factor_exists: { status: 409, title: 'This factor is registered already' },
  /** The passkey or security key is disabled (its signature counter went backwards: it may be cloned) until an administrator enables it; also the authentication options when every one is. */
  factor_disabled: { status: 403, title: 'This factor is disabled' },
  /** No pending enrollment with this id: confirmed already, lapsed, or never started. */
  enrollment_not_found: { status: 404, title: 'No such pending enrollment' },
  /** The body is over the router's `bodyLimit`. */
  payload_too_large: { status: 413, title: 'The request body is too large' },
  /** The body is in an unsupported charset or encoding. */
  unsupported_media_type: { status: 415, title: 'The request body must be JSON' },
  /** Too many wrong codes in a row (`throttle.maxConsecutiveFailures`): codes are refused until a recovery code, a passkey or an administrator ends it. NIST SP 800-63B 5.2.2. */
  mfa_codes_disabled: { status: 403, title: 'Codes are refused after too many failures' },
  /** The policy requires MFA of the user: the last factor cannot be removed before another is enrolled. */
  last_factor: { status: 409, title: 'The last factor cannot be removed' },
  /** Too many failed proofs: the account is locked (with `Retry-After`). NIST SP 800-63B 5.2.2. */
  mfa_locked: { status: 429, title: 'Too many failed attempts' },
  /** Too many requests or failures from one address, too many codes sent, or too many enrollments started (with `Retry-After`). */
  rate_limited: { status: 429, title: 'Too many requests' },
  /** A store failed: the request is denied, never let through (fail closed). */
  mfa_unavailable: { status: 503, title: 'Multi-factor authentication is unavailable' },
  /** The gateway: the upstream refused the connection or broke it off. */
  bad_gateway: { status: 502, title: 'The upstream API could not be reached' },
  /** The gateway: the upstream did not answer in time. */
  gateway_timeout: { status: 504, title: 'The upstream API did not answer in time' },
  /** The server: the request did not arrive in time. */
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  /** The server: the request's headers are over its limit. */
  request_header_fields_too_large: { status: 431, title: 'The request headers are too large' },
  /** The server failed unexpectedly; the detail reveals nothing (the cause goes to the log). */
  internal_error: { status: 500, title: 'Something went wrong' },
} as const satisfies Record<ProblemCode, { status: number; title: string }>;

/** An HTTP answer for an adapter to write out unchanged. */
export interface HttpResult {
  /** The HTTP status. */
  status: number;
  /** Every header to set (always `Cache-Control: no-store`). */
  headers: Record<string, string>;
  /** The JSON body, or undefined for none (204). */
  body?: unknown;
}

/** Every answer of the contract carries this header, `Cache-Control: no-store`: tokens, secrets and codes are never cached. */
export const NO_STORE = { 'Cache-Control': 'no-store' } as const;

const TYPE_BASE = 'urn:mfakit:problem:';

/**
 * The `Content-Type` of every problem answer: RFC 9457's media type, with the charset that
 * Express and Koa write for any JSON, so that every framework sends the same header.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** The header that carries a newly issued session token back to the client. */
export const SESSION_TOKEN_HEADER = 'X-Session-Token';

/** The header that tells a required user without a factor when the enrollment grace period ends (an HTTP-date). */
export const ENROLLMENT_DEADLINE_HEADER = 'Mfa-Enrollment-Deadline';

/**
 * The RFC 9457 answer to a problem: its status, `Content-Type: application/problem+json; charset=utf-8`,
 * `Cache-Control: no-store`, and what the problem says in headers: the RFC 9470 challenge
 * (`WWW-Authenticate`) for a `challenge`, `WWW-Authenticate: Bearer` for
 * `authentication_required` (with `error="invalid_token"` for `invalid_token`), `Retry-After` for a `retryAfter`, and `X-Session-Token` for a
 * session an inline code opened. The body: `type` (`urn:mfakit:problem:<code>`), `title`,
 * `status`, `detail` and `code`.
 *
 * @param problem - The denial, e.g. `outcome.problem` of a failed `Outcome`.
 * @param issuedSession - A session the request opened on the way (`outcome.issuedSession`).
 * @returns The answer for an adapter to write out unchanged.
 * @see RFC 9457 (problem details for HTTP APIs); RFC 9470 (step-up challenge)
 * @example
 * const answer = problemResponse({ code: 'mfa_stale', detail: 'Prove again.', challenge: { maxAge: 300 } });
 * // answer.status === 401; answer.headers['WWW-Authenticate'] ends with 'max_age=300'
 */
export function problemResponse({ code, detail, challenge, retryAfter }: Problem, issuedSession?: IssuedSession): HttpResult {
  const { status, title } = PROBLEMS[code];
  const headers: Record<string, string> = { ...NO_STORE, 'Content-Type': PROBLEM_CONTENT_TYPE };
  if (challenge) headers['WWW-Authenticate'] = stepUpChallenge(detail, challenge);
  else if (code === 'authentication_required') headers['WWW-Authenticate'] = 'Bearer';
  else if (code === 'invalid_token') headers['WWW-Authenticate'] = `Bearer error="invalid_token", error_description="${quoted(detail)}"`;
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  return { status, headers: { ...headers, ...outcomeHeaders({ issuedSession }) }, body: { type: TYPE_BASE + code, title, status, detail, code } };
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The headers that an outcome's typed fields become: `X-Session-Token` for a session an inline
 * code opened (`issuedSession`), `Mfa-Enrollment-Deadline` (an HTTP-date) within the enrollment
 * grace period (`enrollmentDeadline`). A frozen empty object when there are none: a protected
 * route's pass allocates nothing.
 *
 * @param outcome - A successful `Outcome`.
 * @returns The headers to add to the answer.
 * @example
 * res.set(outcomeHeaders(outcome));
 */
export function outcomeHeaders(outcome: { issuedSession?: IssuedSession; enrollmentDeadline?: number }): Readonly<Record<string, string>> {
  if (!outcome.issuedSession && outcome.enrollmentDeadline === undefined) return NO_HEADERS;
  const headers: Record<string, string> = {};
  if (outcome.issuedSession) headers[SESSION_TOKEN_HEADER] = outcome.issuedSession.sessionToken;
  if (outcome.enrollmentDeadline !== undefined) headers[ENROLLMENT_DEADLINE_HEADER] = new Date(outcome.enrollmentDeadline).toUTCString();
  return headers;
}

/**
 * The answer to an operation's outcome: on success `status`, the value as the JSON body (none
 * for 204), `Cache-Control: no-store` and {@link outcomeHeaders}; on a denial {@link problemResponse}.
 *
 * @param outcome - What a method of the core answered.
 * @param status - The status of a success (200, 201, 202, 204).
 * @returns The answer for an adapter to write out unchanged.
 * @example
 * const answer = present(await mfa.verify(request, { code }), 200);
 */
export function present(outcome: Outcome<unknown>, status: number): HttpResult {
  if (!outcome.ok) return problemResponse(outcome.problem, outcome.issuedSession);
  return { status, headers: { ...NO_STORE, ...outcomeHeaders(outcome) }, body: status === 204 ? undefined : outcome.value };
}

/** A string as the inside of an RFC 9110 quoted-string: a double quote or backslash escaped. */
const quoted = (text: string) => text.replace(/["\\]/g, '\\$&');

/**
 * The RFC 9470 challenge that tells a client to come back with (fresher, other) MFA: the value of
 * a `WWW-Authenticate: Bearer error="insufficient_user_authentication"` header, with `acr_values`
 * and `max_age` when given.
 *
 * @param description - The `error_description`; a double quote or backslash in it is escaped.
 * @param challenge - `maxAge` for a stale proof, `acrValues` for what the route needs: the ACR
 *   value that stands for its methods (`phrh` for `hwk`, `phr` for `hwk` or `swk`) or the methods.
 * @returns The header's value.
 * @see RFC 9470 section 3 (the authentication challenge: `acr_values` is a space-separated list of
 *   the ACR values the client should request from the authorization server)
 * @example
 * stepUpChallenge('This action needs a proof made in the last 300 seconds.', { maxAge: 300 });
 * // 'Bearer error="insufficient_user_authentication", error_description="...", max_age=300'
 */
export function stepUpChallenge(description: string, challenge: Challenge = {}): string {
  let value = `Bearer error="insufficient_user_authentication", error_description="${quoted(description)}"`;
  if (challenge.acrValues) value += `, acr_values="${challenge.acrValues.join(' ')}"`;
  if (challenge.maxAge !== undefined) value += `, max_age=${challenge.maxAge}`;
  return value;
}
