import type { RequestReader } from '@mfakit/core/http';
import type { Request } from 'express';

/**
 * How `requireMfa` and `toMfaRequest` read an Express request: made once, its methods called
 * only for what a request needs (`req.ip`, which walks `X-Forwarded-For` through `trust proxy`,
 * only for a proof on the request or a risk hook). Not exported from the package.
 */
export const expressReader: RequestReader<Request> = {
  headers: (req) => req.headers,
  ip: (req) => req.ip,
  method: (req) => req.method,
  path: (req) => req.originalUrl,
  rawBody: (req) => (req as { rawBody?: unknown }).rawBody ?? rawParsed(req.body),
};

/** A body that `express.raw()` or `express.text()` left as it came: the raw bytes too. */
const rawParsed = (body: unknown) => (typeof body === 'string' || Buffer.isBuffer(body) ? body : undefined);
