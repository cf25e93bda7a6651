import { MfaError } from '@mfakit/core';
import { problemResponse, requestErrorProblem } from '@mfakit/core/http';
import type { FastifyInstance } from 'fastify';
import { writeResult } from './http';

const DEFAULT_BODY_LIMIT = 16 * 1024;

/** Checks a router's `bodyLimit` once, at construction: a positive number of bytes. */
export function bodyLimitOf(value: unknown, router: string): number {
  const limit = value ?? DEFAULT_BODY_LIMIT;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new MfaError('invalid_option', `${router} bodyLimit must be a number of bytes, e.g. 16384`);
  }
  return limit;
}

/**
 * Errors of reading a request under the router (bad JSON, a body too large, a media type or
 * charset it cannot read, a malformed URL) become the contract's problems (400, 413, 415); any
 * other error goes on to the application's handler.
 */
export function requestErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, _request, reply) => {
    const problem = requestErrorProblem(err);
    if (!problem) throw err;
    return writeResult(reply, problemResponse(problem));
  });
}

/** Every path under the prefix that is not a route: a 404 `not_found` problem. */
export function notFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => writeResult(reply, problemResponse({ code: 'not_found', detail: `No such MFA route: ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}` })));
}
