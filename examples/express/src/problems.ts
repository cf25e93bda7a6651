import { type HttpResult, NO_STORE, problemResponse, type ProblemCode, requestErrorProblem } from '@mfakit/core';
import { writeResult } from '@mfakit/express';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/**
 * The demo's own error answers, in the same RFC 9457 shape as mfakit's (`type`, `title`,
 * `status`, `detail`, `code`), for the situations mfakit's contract does not cover: a wrong
 * password, an unknown route, oversized headers, an unexpected failure.
 */
export const DEMO_PROBLEMS = {
  invalid_credentials: { status: 401, title: 'The username or password is wrong' },
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  request_header_fields_too_large: { status: 431, title: 'The request headers are too large' },
  internal_error: { status: 500, title: 'Something went wrong' },
} as const;

export type DemoProblemCode = keyof typeof DEMO_PROBLEMS;

const DEMO_TYPE_BASE = 'urn:mfakit:demo:problem:';

/** A problem answer for one of mfakit's codes or one of the demo's. */
export function problem(code: ProblemCode | DemoProblemCode, detail: string, headers?: Record<string, string>): HttpResult {
  if (!(code in DEMO_PROBLEMS)) return problemResponse({ code: code as ProblemCode, detail, headers });
  const { status, title } = DEMO_PROBLEMS[code as DemoProblemCode];
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'application/problem+json', ...headers },
    body: { type: DEMO_TYPE_BASE + code, title, status, detail, code },
  };
}

/** The last route: anything not matched above is a 404 problem, never Express's HTML page. */
export const notFound: RequestHandler = function notFound(req, res) {
  writeResult(res, problem('not_found', `Nothing here: ${req.method} ${req.path.slice(0, 100)}`));
};

/**
 * The last error handler: a client's mistake (malformed JSON, a body too large, a bad URL) is a
 * 4xx problem; anything else is logged and answered with a 500 problem that reveals nothing.
 */
export function errorHandler(logger: { error(message: string): void }): ErrorRequestHandler {
  return function errorHandler(err, req, res, next) {
    if (res.headersSent) return next(err);
    const clientError = requestErrorProblem(err);
    if (clientError) return writeResult(res, problemResponse(clientError));
    logger.error(`${req.method} ${req.path.slice(0, 100)} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    writeResult(res, problem('internal_error', 'The server failed to answer this request; try again later.'));
  };
}

/** Asks browsers to run only the demo's own script and show only its own images (and data: QR codes). */
export const securityHeaders: RequestHandler = function securityHeaders(_req, res, next) {
  res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  });
  next();
};
