import type { RequestReader } from '@mfakit/core/http';
import type { FastifyRequest } from 'fastify';

/**
 * How `requireMfa` and `toMfaRequest` read a Fastify request: made once, its methods called only
 * for what a request needs (`request.ip` only for a proof on the request or a risk hook). Not
 * exported from the package.
 */
export const fastifyReader: RequestReader<FastifyRequest> = {
  headers: (request) => request.headers,
  ip: (request) => request.ip,
  method: (request) => request.method,
  path: (request) => request.originalUrl,
  rawBody: (request) => (request as { rawBody?: unknown }).rawBody,
};
