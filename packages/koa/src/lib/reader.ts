import type { RequestReader } from '@mfakit/core/http';
import type { Context } from 'koa';

/**
 * How `requireMfa` and `toMfaRequest` read a Koa context: made once, its methods called only for
 * what a request needs (`ctx.ip` only for a proof on the request or a risk hook). The headers
 * are Node's own (`ctx.req.headers`, what `ctx.headers` answers through two getters). Not
 * exported from the package.
 */
export const koaReader: RequestReader<Context> = {
  headers: (ctx) => ctx.req.headers,
  ip: (ctx) => ctx.ip,
  method: (ctx) => ctx.method,
  path: (ctx) => ctx.originalUrl,
  rawBody: (ctx) => (ctx.request as { rawBody?: unknown }).rawBody,
};
