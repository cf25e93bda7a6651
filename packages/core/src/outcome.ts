import type { Problem, ProblemCode } from './http/problems';

/**
 * What every core operation returns: a value, or the problem that denies it. A wrong code or a
 * missing session is an outcome; only misuse throws. `headers` carries what the answer must
 * include on success, e.g. a new `X-Session-Token` after an inline code.
 */
export type Outcome<T> = { ok: true; value: T; headers?: Record<string, string> } | { ok: false; problem: Problem };

export function success<T>(value: T, headers?: Record<string, string>): Outcome<T> {
  return headers ? { ok: true, value, headers } : { ok: true, value };
}

export function denial(code: ProblemCode, detail: string, headers?: Record<string, string>): { ok: false; problem: Problem } {
  return { ok: false, problem: headers ? { code, detail, headers } : { code, detail } };
}
