import { internalError, SECURITY_HEADERS } from '@mfakit/example-shared';
import { problemResponse, requestErrorProblem } from '@mfakit/core/http';
import { writeResult } from '@mfakit/express';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** The last route: anything not matched above is a 404 problem, never Express's HTML page. */
export const notFound: RequestHandler = function notFound(req, res) {
  writeResult(res, problemResponse({ code: 'not_found', detail: `Nothing here: ${req.method} ${req.path.slice(0, 100)}` }));
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
    writeResult(res, internalError());
  };
}

export const securityHeaders: RequestHandler = function securityHeaders(_req, res, next) {
  res.set(SECURITY_HEADERS);
  next();
};
