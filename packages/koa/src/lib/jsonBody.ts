import { bodyLimitOf } from '@mfakit/core/http';
import coBody from 'co-body';
import type { Context, Middleware } from 'koa';

/** The body a JSON parser left on the request, or undefined when there was none. */
export function bodyOf(ctx: Context): unknown {
  return (ctx.request as { body?: unknown }).body;
}

/**
 * Parses a JSON body into `ctx.request.body`, as Express's `express.json({ limit })` does for the
 * Express adapter: only `application/json`, only an object or an array at the top (strict), at
 * most `limit`, in a UTF charset; any method that has a body. Other requests keep no body
 * (undefined). A body an upstream parser has read already is left as it is.
 *
 * It throws raw-body's typed errors (`entity.parse.failed`, `entity.too.large`,
 * `charset.unsupported`, ...), which `requestErrorProblem` turns into problems. co-body is the
 * parser under `@koa/bodyparser`; that wrapper is not used because it reads every body as UTF-8
 * whatever its charset, cannot narrow its JSON types to `application/json`, and gives unparsed
 * requests `{}` instead of no body.
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
  const checked = bodyLimitOf(limit, 'jsonBody'); // 'abc' would otherwise be no limit at all
  return async function jsonBody(ctx, next) {
    const request = ctx.request as { body?: unknown };
    if (request.body === undefined && ctx.is('application/json')) {
      // body-parser's rule: a charset of the UTF family, UTF-8 when none is given.
      const charset = (ctx.request.charset || 'utf-8').toLowerCase();
      if (!charset.startsWith('utf-')) {
        throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase().slice(0, 40)}"`), { status: 415, type: 'charset.unsupported' });
      }
      try {
        request.body = await coBody.json(ctx, { limit: checked, encoding: charset, strict: true });
      } catch (err) {
        // co-body's JSON syntax errors and inflation's unknown Content-Encoding carry a status but
        // not raw-body's `type`: name them as body-parser does.
        const { status, type, name, code } = (err ?? {}) as { status?: unknown; type?: unknown; name?: unknown; code?: unknown };
        if (type === undefined && err !== null && typeof err === 'object') {
          if (name === 'SyntaxError') Object.assign(err, { type: 'entity.parse.failed' });
          else if (status === 415) Object.assign(err, { type: 'encoding.unsupported' });
          // A body that does not inflate (zlib's Z_DATA_ERROR, ...): the client's mistake, as body-parser says.
          else if (String(code).startsWith('Z_')) Object.assign(err, { status: 400, type: 'entity.verify.failed' });
        }
        throw err;
      }
    }
    await next();
  };
}
