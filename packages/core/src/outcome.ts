import type { Challenge, Problem, ProblemCode } from './problem';
import type { IssuedSession } from './session/sessions';

/**
 * What every core operation returns: a value, or the problem that denies it. A wrong code or a
 * missing session is an outcome; only misuse throws.
 *
 * - `{ ok: true, value }` carries the result, and `issuedSession` when the operation opened an
 *   MFA session the value does not show (an inline `X-MFA-Token` code paid for the action): the
 *   client must keep its token. A pass of `check` within the enrollment grace period carries
 *   `enrollmentDeadline` (ms since the epoch).
 * - `{ ok: false, problem }` carries the denial (see {@link Problem}); `issuedSession` too when an
 *   inline code opened a session that still fell short (a route's `methods`, say).
 *
 * `@mfakit/core/http` turns either into an HTTP answer (`problemResponse`, `handleRoute`).
 *
 * @typeParam T - The value on success.
 * @example
 * const result = await mfa.verify(request, { code: '123456' });
 * if (result.ok) keep(result.value.sessionToken);
 * else show(result.problem.detail);
 */
export type Outcome<T> = Success<T> | Failure;

/** A value, and what the operation also issued. */
export interface Success<T> {
  /** Always true: the operation succeeded. */
  ok: true;
  /** The result. */
  value: T;
  /** A session opened on the way (by an inline code), which the value does not show. */
  issuedSession?: IssuedSession;
  /** For a pass within the enrollment grace period: when it ends (ms since the epoch). */
  enrollmentDeadline?: number;
}

/** A denial. */
export interface Failure {
  /** Always false: the operation was denied. */
  ok: false;
  /** Why, and what the client may do. */
  problem: Problem;
  /** A session an inline code opened before the denial. */
  issuedSession?: IssuedSession;
}

/** Success, carrying on the session `from` issued (a fresh proof made with an inline code), if any. */
export function success<T>(value: T, from?: { issuedSession?: IssuedSession }): Success<T> {
  return from?.issuedSession ? { ok: true, value, issuedSession: from.issuedSession } : { ok: true, value };
}

/** A denial; `extra` says what a proof must satisfy (`challenge`) or how long to wait (`retryAfter`). */
export function denial(code: ProblemCode, detail: string, extra?: { challenge?: Challenge; retryAfter?: number }): Failure {
  return { ok: false, problem: extra ? { code, detail, ...extra } : { code, detail } };
}
