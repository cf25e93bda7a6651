/**
 * An RFC 9457 problem details body, as mfakit's servers send it (`application/problem+json`):
 * `code` is the stable value to switch on.
 *
 * @see RFC 9457 (problem details for HTTP APIs)
 * @example
 * const problem: ProblemDetails = { type: 'urn:mfakit:problem:mfa_locked', title: 'Too many failed attempts', status: 429, detail: 'Try again in 5 minutes.', code: 'mfa_locked' };
 */
export interface ProblemDetails {
  /** A URI naming the problem type, e.g. `urn:mfakit:problem:mfa_locked`. */
  type?: string;
  /** A short summary of the problem type. */
  title?: string;
  /** The HTTP status. */
  status?: number;
  /** A sentence about this occurrence, for people. */
  detail?: string;
  /** mfakit's stable code, e.g. `mfa_invalid_code`. */
  code?: string;
  /** Any other member the server sent. */
  [member: string]: unknown;
}

/**
 * The codes of {@link MfaClientError}: the client's own (below), or the `code` of the problem the
 * server answered, e.g. `mfa_invalid_code`, `mfa_locked` (429, with `retryAfter`), `rate_limited`
 * (429, with `retryAfter`), `mfa_enrollment_required` (403), `mfa_codes_disabled` (403),
 * `authentication_required` (401: the `/mfa` calls lack the primary credential, see the `headers`
 * option), `webauthn_verification_failed`, `mfa_unavailable` (503).
 *
 * @example
 * if (err instanceof MfaClientError && err.code === 'mfa_locked') showLocked(err.retryAfter);
 */
export type MfaClientErrorCode =
  /** An option of `createMfaFetch` is missing or unusable (thrown at creation). */
  | 'invalid_option'
  /** `prompt` returned something that is not an answer, e.g. `{}` or a code that is not a string. */
  | 'invalid_answer'
  /** `prompt` returned `null`: the person declined to prove a factor. */
  | 'cancelled'
  /** The request was challenged, and its body (a stream) cannot be sent again. */
  | 'unreplayable_body'
  /** `prompt` answered `{ passkey: true }` but no `startAuthentication` option was given. */
  | 'passkey_unavailable'
  /** `startAuthentication` failed (the person dismissed the dialog, no passkey was found): prompted again. */
  | 'passkey_failed'
  /** A `/mfa` route answered outside the contract: not JSON, an error without a problem body, a success without a token. */
  | 'unexpected_response'
  | 'mfa_invalid_code'
  | 'mfa_locked'
  | 'rate_limited'
  | 'mfa_enrollment_required'
  | 'mfa_codes_disabled'
  | 'mfa_unavailable'
  | 'authentication_required'
  | 'webauthn_verification_failed'
  | 'webauthn_challenge_invalid'
  | (string & {});

/**
 * What an {@link MfaClientError} carries besides its code and message.
 *
 * @example
 * throw new MfaClientError('mfa_locked', 'POST /mfa/verify answered 429 mfa_locked', { status: 429, retryAfter: 30, detail: 'Too many failed attempts.' });
 */
export interface MfaClientErrorDetails {
  /** The HTTP status of the answer that led to the error, when there was one. */
  status?: number;
  /** The problem's `detail` (or the client's own sentence). */
  detail?: string;
  /** Seconds to wait before trying again (`Retry-After` of a 429 or 503). */
  retryAfter?: number;
  /** The problem details body the server sent. */
  problem?: ProblemDetails;
  /** The underlying error, e.g. what `startAuthentication` threw. */
  cause?: unknown;
}

/**
 * Thrown by the `fetch` of `createMfaFetch` when a step-up cannot be completed: the person
 * cancelled (`cancelled`), the `/mfa` routes refused (the problem's `code`: `mfa_locked` with
 * `retryAfter`, `mfa_invalid_code` after the last attempt, `mfa_unavailable`, ...), or the request
 * cannot be sent again (`unreplayable_body`). Also thrown by `createMfaFetch` itself for a bad
 * option (`invalid_option`). Switch on `code`, never on the message. It never waits and retries
 * on its own: after a 429, try again once `retryAfter` seconds have passed.
 *
 * A network failure is not wrapped: it rejects with what `fetch` threw (a `TypeError`).
 *
 * @example
 * try {
 *   await mfaFetch('/api/transfers', { method: 'POST', headers, body });
 * } catch (err) {
 *   if (!(err instanceof MfaClientError)) throw err;
 *   if (err.code === 'cancelled') return;
 *   if (err.code === 'mfa_locked') alert(`Too many wrong codes: try again in ${err.retryAfter} seconds.`);
 *   else alert(err.detail ?? err.message);
 * }
 */
export class MfaClientError extends Error {
  /** The stable code to switch on. */
  readonly code: MfaClientErrorCode;
  /** The HTTP status of the answer that led to the error; undefined for an option error. */
  readonly status?: number;
  /** The problem's `detail`, a sentence for people. */
  readonly detail?: string;
  /** Seconds to wait before trying again, from `Retry-After`. */
  readonly retryAfter?: number;
  /** The problem details body, as the server sent it. */
  readonly problem?: ProblemDetails;

  /**
   * @param code - The stable code.
   * @param message - What went wrong, for logs; never a code or a token.
   * @param details - The status, detail, `Retry-After` seconds, problem body and cause.
   */
  constructor(code: MfaClientErrorCode, message: string, details: MfaClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.name = this.constructor.name;
    if (details.status !== undefined) this.status = details.status;
    if (details.detail !== undefined) this.detail = details.detail;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.problem !== undefined) this.problem = details.problem;
  }
}
