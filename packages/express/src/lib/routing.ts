import { problemResponse, requestErrorProblem } from '@mfakit/core/http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { writeResult } from './http';

/** Answers every request that reached the end of a router with a 404 `not_found` problem. */
export function notFound(what: string): RequestHandler {
  return function notFound(req, res) {
    writeResult(res, problemResponse({ code: 'not_found', detail: `No such ${what} route: ${req.method} ${req.path.slice(0, 100)}` }));
  };
}

/** Errors of reading a request (bad JSON, too large, unknown charset, a malformed URL) become problems; others go on. */
export const requestErrors: ErrorRequestHandler = function requestErrors(err, _req, res, next) {
  const problem = requestErrorProblem(err);
  if (!problem) return next(err);
  writeResult(res, problemResponse(problem));
};
