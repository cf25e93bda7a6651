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
 */
export function jsonBody(limit: string | number): Middleware {
  return async function jsonBody(ctx, next) {
    const request = ctx.request as { body?: unknown };
    if (request.body === undefined && ctx.is('application/json')) {
      // body-parser's rule: a charset of the UTF family, UTF-8 when none is given.
      const charset = (ctx.request.charset || 'utf-8').toLowerCase();
      if (!charset.startsWith('utf-')) {
        throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase().slice(0, 40)}"`), { status: 415, type: 'charset.unsupported' });
      }
      try {
        request.body = await coBody.json(ctx, { limit, encoding: charset, strict: true });
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
