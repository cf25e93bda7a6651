import type { ProblemCode } from '@mfakit/core';
import { type HttpResult, NO_STORE, problemResponse, PROBLEM_CONTENT_TYPE } from '@mfakit/core/http';

/**
 * The demo's own error answers, in the same RFC 9457 shape as mfakit's (`type`, `title`,
 * `status`, `detail`, `code`), for what mfakit's catalogue does not cover: a wrong password.
 */
export const DEMO_PROBLEMS = {
  invalid_credentials: { status: 401, title: 'The username or password is wrong' },
} as const;

export type DemoProblemCode = keyof typeof DEMO_PROBLEMS;

const DEMO_TYPE_BASE = 'urn:mfakit:demo:problem:';

/** A problem answer for one of mfakit's codes or one of the demo's. */
export function problem(code: ProblemCode | DemoProblemCode, detail: string, headers?: Record<string, string>): HttpResult {
  if (!(code in DEMO_PROBLEMS)) {
    const answer = problemResponse({ code: code as ProblemCode, detail });
    return headers ? { ...answer, headers: { ...answer.headers, ...headers } } : answer;
  }
  const { status, title } = DEMO_PROBLEMS[code as DemoProblemCode];
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers },
    body: { type: DEMO_TYPE_BASE + code, title, status, detail, code },
  };
}

/** The last error answer: an unexpected failure, logged by the caller, revealing nothing. */
export const internalError = () => problem('internal_error', 'The server failed to answer this request; try again later.');

/** Asks browsers to run only the demo's own script and show only its own images (and data: QR codes). */
export const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const;
