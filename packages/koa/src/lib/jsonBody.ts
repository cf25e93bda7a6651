import { jsonBodyReader } from '@mfakit/core/http';
import type { Context, Middleware } from 'koa';

/** The body a JSON parser left on the request, or undefined when there was none. */
export function bodyOf(ctx: Context): unknown {
  return (ctx.request as { body?: unknown }).body;
}

/**
 * Parses a JSON body into `ctx.request.body` with the core's `jsonBodyReader`, as Express's
 * `express.json({ limit })` does for the Express adapter: only `application/json`, only an object
 * or an array at the top (strict), at most `limit`, in a UTF charset; any method that has a body.
 * Other requests keep no body (undefined). A body an upstream parser has read already is left as
 * it is. The body's text goes to `ctx.request.rawBody` too (as `@koa/bodyparser` keeps it), for a
 * step-up grant bound to the body's digest (`requireFreshMfa(mfa, { once: { bindBody: true } })`). (`@koa/bodyparser` is not used: it reads every body as UTF-8 whatever its charset, cannot
 * narrow its JSON types to `application/json`, and gives unparsed requests `{}` instead of no body.)
 *
 * It throws raw-body's typed errors (`entity.parse.failed`, `entity.too.large`,
 * `charset.unsupported`, ...), which `requestErrorProblem` turns into problems.
 *
 * The routers use it on their own routes; export it for routes of yours that should read bodies
 * exactly as they do, with a handler upstream that turns the errors into problems.
 *
 * @param limit - The largest body: a number of bytes, or a size such as `'16kb'`.
 * @returns A named Koa middleware (`jsonBody`).
 * @throws MfaError `invalid_option` at once when `limit` is not a size.
 * @throws At request time, to the middleware upstream: raw-body's errors with `status` and `type`
 *   (400, 413, 415), which `requestErrorProblem` of `@mfakit/core` maps to RFC 9457 problems.
 *
 * @example
 * app.use(async (ctx, next) => {
 *   try { await next(); } catch (err) {
 *     const problem = requestErrorProblem(err);
 *     if (!problem) throw err;
 *     writeResult(ctx, problemResponse(problem));
 *   }
 * });
 * router.post('/api/transfers', jwt({ secret }), jsonBody('16kb'), requireFreshMfa(mfa, { maxAge: '5m' }), handler);
 */
export function jsonBody(limit: string | number): Middleware {
  const readBody = jsonBodyReader(limit, 'jsonBody'); // 'abc' would otherwise be no limit at all
  return async function jsonBody(ctx, next) {
    const request = ctx.request as { body?: unknown; rawBody?: string };
    if (request.body === undefined) request.body = await readBody(ctx.req, (raw) => (request.rawBody = raw));
    await next();
  };
}
