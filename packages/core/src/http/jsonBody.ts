import type { IncomingMessage } from 'node:http';
import coBody from 'co-body';
import { bodyLimitOf } from './bodyErrors';

/**
 * Reads a request's JSON body as Express's `express.json({ limit })` does, for adapters whose
 * framework parses bodies otherwise (Koa, Fastify): only `application/json`, only an object or an
 * array at the top (strict), at most `limit`, in a UTF charset, `gzip`/`deflate`/`br` inflated;
 * any method. Another type, or no body, is undefined: the route then says what it wants.
 *
 * It rejects with raw-body's typed errors (`entity.parse.failed`, `entity.too.large`,
 * `charset.unsupported`, `encoding.unsupported`, `entity.verify.failed`), which
 * `requestErrorProblem` turns into the contract's 400, 413 and 415 problems. co-body is the parser
 * under `@koa/bodyparser`.
 *
 * @param req - Node's request, unread (Koa's `ctx.req`, Fastify's `request.raw`).
 * @param limit - The largest body: bytes, or a size such as `'16kb'`.
 * @returns The parsed body, or undefined.
 * @example
 * const body = await readJsonBody(request.raw, '16kb');
 */
export async function readJsonBody(req: IncomingMessage, limit: string | number): Promise<unknown> {
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') return undefined;
  // body-parser's rule: a charset of the UTF family, UTF-8 when none is given.
  const named = params.map((param) => param.trim()).find((param) => param.toLowerCase().startsWith('charset='));
  const charset = (named?.slice('charset='.length).replace(/^"|"$/g, '') || 'utf-8').toLowerCase();
  if (!charset.startsWith('utf-')) {
    throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase().slice(0, 40)}"`), { status: 415, type: 'charset.unsupported' });
  }
  try {
    return await coBody.json(req, { limit: bodyLimitOf(limit, 'readJsonBody'), encoding: charset, strict: true });
  } catch (err) {
    // co-body's JSON syntax errors and inflation's unknown Content-Encoding carry a status but not
    // raw-body's `type`: name them as body-parser does.
    const { status, type: kind, name, code } = (err ?? {}) as { status?: unknown; type?: unknown; name?: unknown; code?: unknown };
    if (kind === undefined && err !== null && typeof err === 'object') {
      if (name === 'SyntaxError') Object.assign(err, { type: 'entity.parse.failed' });
      else if (status === 415) Object.assign(err, { type: 'encoding.unsupported' });
      // A body that does not inflate (zlib's Z_DATA_ERROR, ...): the client's mistake, as body-parser says.
      else if (String(code).startsWith('Z_')) Object.assign(err, { status: 400, type: 'entity.verify.failed' });
    }
    throw err;
  }
}
