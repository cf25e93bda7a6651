import type { IncomingMessage } from 'node:http';
import coBody from 'co-body';
import { bodyLimitOf } from './bodyErrors';

/**
 * A reader of requests' JSON bodies as Express's `express.json({ limit })` reads them, for
 * adapters whose framework parses bodies otherwise (Koa, Fastify): only `application/json`, only
 * an object or an array at the top (strict), at most `limit`, in a UTF charset, `gzip`/`deflate`/
 * `br` inflated; any method. Another type, or no body, is undefined: the route then says what it
 * wants. The limit is checked once, here.
 *
 * The reader rejects with raw-body's typed errors (`entity.parse.failed`, `entity.too.large`,
 * `charset.unsupported`, `encoding.unsupported`, `entity.verify.failed`), which
 * `requestErrorProblem` turns into the contract's 400, 413 and 415 problems. co-body is the parser
 * under `@koa/bodyparser`.
 *
 * @param limit - The largest body: bytes, or a size such as `'16kb'`; undefined for `'16kb'`.
 * @param router - Whose option it is, for the error message.
 * @returns A function of Node's unread request (Koa's `ctx.req`, Fastify's `request.raw`) to its
 *   parsed body, or undefined; its `keepRaw`, when given, receives the body's text as read (for
 *   a step-up grant bound to the body's digest).
 * @throws MfaError `invalid_option` when `limit` is not a size (see {@link bodyLimitOf}).
 * @example
 * const readBody = jsonBodyReader(options.bodyLimit, 'mfaRouter');
 * request.body = await readBody(request.raw);
 */
export function jsonBodyReader(limit: unknown, router: string): (req: IncomingMessage, keepRaw?: (raw: string) => void) => Promise<unknown> {
  const checked = bodyLimitOf(limit, router);
  return (req, keepRaw) => readJsonBody(req, checked, keepRaw);
}

async function readJsonBody(req: IncomingMessage, limit: string | number, keepRaw?: (raw: string) => void): Promise<unknown> {
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') return undefined;
  // body-parser's rule: a charset of the UTF family, UTF-8 when none is given.
  const named = params.map((param) => param.trim()).find((param) => param.toLowerCase().startsWith('charset='));
  const charset = (named?.slice('charset='.length).replace(/^"|"$/g, '') || 'utf-8').toLowerCase();
  if (!charset.startsWith('utf-')) {
    throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase().slice(0, 40)}"`), { status: 415, type: 'charset.unsupported' });
  }
  try {
    if (!keepRaw) return await coBody.json(req, { limit, encoding: charset, strict: true });
    const { parsed, raw } = await coBody.json(req, { limit, encoding: charset, strict: true, returnRawBody: true });
    keepRaw(raw);
    return parsed;
  } catch (err) {
    // co-body's JSON syntax errors and inflation's unknown Content-Encoding carry a status but not
    // raw-body's `type`: name them as body-parser does.
    const { status, type: kind, name, code } = (err ?? {}) as { status?: unknown; type?: unknown; name?: unknown; code?: unknown };
    if (kind === undefined && err !== null && typeof err === 'object') {
      if (name === 'SyntaxError') Object.assign(err, { type: 'entity.parse.failed' });
      else if (status === 415) Object.assign(err, { type: 'encoding.unsupported' });
      // A body that does not inflate (zlib's Z_DATA_ERROR, ..., brotli's ERR__ERROR_FORMAT_PADDING_2,
      // ...): the client's mistake, as body-parser says.
      else if (/^(?:Z_|ERR__ERROR_)/.test(String(code))) Object.assign(err, { status: 400, type: 'entity.verify.failed' });
    }
    throw err;
  }
}
