import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { SESSION_COOKIE } from '@mfakit/core/http';
import { IDENTITY_HEADERS } from './decide';

/**
 * Request headers the upstream never sees from the client: the MFA credentials (the gateway
 * spends them), identity headers (the gateway sets its own), method overrides and URL rewrites
 * (the rules judged the method and the path as sent), forwarding headers (the gateway sets its
 * own), hop-by-hop headers (RFC 9110 7.6.1; the connection to the upstream is the gateway's
 * own, and undici frames the body itself), and `Expect` (Node answered the client's
 * `100-continue` already, and undici refuses to send it).
 */
const DROPPED = new Set<string>([
  'x-session-token',
  'x-mfa-token',
  ...IDENTITY_HEADERS,
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-real-ip',
  // Headers some upstreams route on instead of the request line (IIS, older Symfony and Zend):
  // the rules judged the path, so no header may name another one.
  'x-original-url',
  'x-original-method',
  'x-rewrite-url',
]);

/**
 * The headers the upstream gets: the client's, less {@link DROPPED}, those its `Connection`
 * header names (RFC 9110 7.6.1) and the `mfa_session` cookie, plus the identity headers of the
 * verdict and `X-Forwarded-For`, `-Proto` and `-Host` as the gateway saw the client (from a
 * trusted proxy's headers, or the connection).
 *
 * @example
 * forwardedHeaders(request.headers, { 'x-mfa-user': 'alice', 'x-mfa-amr': 'otp', 'x-mfa-auth-time': '1767225600' }, client);
 */
export function forwardedHeaders(headers: IncomingHttpHeaders, identity: Record<string, string>, client: { ip: string; protocol: string; host: string }): IncomingHttpHeaders {
  const forwarded: IncomingHttpHeaders = {};
  for (const name in headers) if (!DROPPED.has(name) && !name.startsWith('x-mfa-')) forwarded[name] = headers[name];
  if (headers.connection !== undefined) for (const name of headers.connection.toLowerCase().split(',')) delete forwarded[name.trim()];
  if (typeof forwarded.cookie === 'string') {
    const cookie = withoutCookie(forwarded.cookie, SESSION_COOKIE);
    if (cookie) forwarded.cookie = cookie;
    else delete forwarded.cookie;
  }
  Object.assign(forwarded, identity);
  forwarded['x-forwarded-for'] = client.ip;
  forwarded['x-forwarded-proto'] = client.protocol;
  forwarded['x-forwarded-host'] = client.host;
  return forwarded;
}

/** Headers of the upstream's answer that belong to its connection (RFC 9110 section 7.6.1), never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te']);

/**
 * The headers of the upstream's answer that the client gets: all but the hop-by-hop ones and those
 * its `Connection` header names, so that the client's own connection is the gateway's to keep or
 * close (a client's `Connection: close` closes it).
 *
 * @example
 * answerHeaders({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-type': 'text/plain' }); // { 'content-type': 'text/plain' }
 */
export function answerHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = headers[name];
  return kept;
}

/** A Cookie header without the named cookie. */
function withoutCookie(header: string, name: string): string {
  return header
    .split(';')
    .filter((pair) => pair.split('=', 1)[0]!.trim() !== name)
    .join(';')
    .trim();
}

/**
 * The body parser of standalone mode: the body is not read but handed on as a stream; with a
 * `body_limit`, a declared length over it is a 413 at once, and a stream that grows past it is cut.
 */
export function limitBody(req: IncomingMessage, payload: Readable, limit: number | undefined, done: (err: Error | null, body?: unknown) => void): void {
  if (limit === undefined) {
    done(null, payload);
    return;
  }
  if (Number(req.headers['content-length']) > limit) {
    done(tooLarge());
    return;
  }
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      seen += chunk.length;
      next(seen > limit ? tooLarge() : null, chunk);
    },
  });
  payload.on('error', (err) => counted.destroy(err));
  done(null, payload.pipe(counted));
}

/**
 * The largest body read before the decision when the file sets no `body_limit`: Fastify's own
 * default `bodyLimit` (1 MiB). A streamed body has no limit of the gateway's own; a read one is
 * held in memory, so it always has one.
 */
export const READ_BODY_LIMIT = 1024 * 1024;

/**
 * The body parser of standalone mode for a request whose body the decision needs (a rule that
 * binds step-up grants to the body, or a grant sent): the whole body is read, at most `limit`
 * bytes (else a 413), and given to the handler as a Buffer; the upstream gets the same bytes.
 */
export function readBody(req: IncomingMessage, payload: Readable, limit: number, done: (err: Error | null, body?: Buffer) => void): void {
  if (Number(req.headers['content-length']) > limit) {
    done(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let seen = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeAllListeners('data');
    done(err, body);
  };
  payload.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) finish(tooLarge());
    else chunks.push(chunk);
  });
  payload.on('error', (err) => finish(err));
  payload.on('end', () => finish(null, Buffer.concat(chunks)));
}

const tooLarge = () => Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, type: 'entity.too.large' });
