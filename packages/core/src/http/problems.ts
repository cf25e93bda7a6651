/**
 * RFC 9457 problem details: the body of every error answer of the HTTP contract, with a stable
 * `code` that clients switch on. The status goes with the code; adapters write both unchanged.
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'The request is malformed' },
  authentication_required: { status: 401, title: 'Primary authentication is required' },
  mfa_required: { status: 401, title: 'Multi-factor authentication is required' },
  mfa_stale: { status: 401, title: 'A more recent multi-factor proof is required' },
  mfa_method_required: { status: 401, title: 'A different authentication method is required' },
  mfa_invalid_code: { status: 401, title: 'The code is not valid' },
  webauthn_challenge_invalid: { status: 401, title: 'The WebAuthn challenge is unknown, expired or used' },
  webauthn_verification_failed: { status: 401, title: "The authenticator's response could not be verified" },
  webauthn_counter_regressed: { status: 401, title: 'The signature counter went backwards: the authenticator may be cloned' },
  mfa_enrollment_required: { status: 403, title: 'A second factor must be enrolled first' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'No such route' },
  factor_not_found: { status: 404, title: 'No such factor' },
  factor_exists: { status: 409, title: 'This factor is registered already' },
  enrollment_not_found: { status: 404, title: 'No such pending enrollment' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be JSON' },
  mfa_locked: { status: 429, title: 'Too many failed attempts' },
  rate_limited: { status: 429, title: 'Too many requests' },
  mfa_unavailable: { status: 503, title: 'Multi-factor authentication is unavailable' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/** A denial as the core decides it; `toResponse` makes the HTTP answer. */
export interface Problem {
  code: ProblemCode;
  detail: string;
  headers?: Record<string, string>;
}

/** An HTTP answer for an adapter to write out unchanged. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Every answer of the contract carries this: tokens, secrets and codes are never cached. */
export const NO_STORE = { 'Cache-Control': 'no-store' } as const;

const TYPE_BASE = 'urn:mfakit:problem:';

export function problemResponse({ code, detail, headers }: Problem): HttpResult {
  const { status, title } = PROBLEMS[code];
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'application/problem+json', ...headers },
    body: { type: TYPE_BASE + code, title, status, detail, code },
  };
}

/** The RFC 9470 challenge that tells a client to come back with (fresher, other) MFA. */
export function stepUpChallenge(description: string, extra: { maxAgeSeconds?: number; acrValues?: string[] } = {}): Record<string, string> {
  let value = `Bearer error="insufficient_user_authentication", error_description="${description}"`;
  if (extra.acrValues) value += `, acr_values="${extra.acrValues.join(' ')}"`;
  if (extra.maxAgeSeconds !== undefined) value += `, max_age=${extra.maxAgeSeconds}`;
  return { 'WWW-Authenticate': value };
}
