import type { Problem, ProblemCode } from './http/problems';

/**
 * What every core operation returns: a value, or the problem that denies it. A wrong code or a
 * missing session is an outcome; only misuse throws. `{ ok: true, value, headers? }` carries the
 * result, and in `headers` what the answer must include on success (e.g. an
 * `Mfa-Enrollment-Deadline`); `{ ok: false, problem }` carries the denial, which
 * {@link problemResponse} turns into an RFC 9457 answer.
 *
 * @typeParam T - The value on success.
 * @example
 * const result = await mfa.verify(request, { code: '123456' });
 * if (result.ok) res.set(result.headers ?? {}).json(result.value);
 * else {
 *   const answer = problemResponse(result.problem);
 *   res.status(answer.status).set(answer.headers).json(answer.body);
 * }
 */
export type Outcome<T> = { ok: true; value: T; headers?: Record<string, string> } | { ok: false; problem: Problem };

export function success<T>(value: T, headers?: Record<string, string>): Outcome<T> {
  return headers ? { ok: true, value, headers } : { ok: true, value };
}

export function denial(code: ProblemCode, detail: string, headers?: Record<string, string>): { ok: false; problem: Problem } {
  return { ok: false, problem: headers ? { code, detail, headers } : { code, detail } };
}
