// Standalone mode's forwarding, on undici's own proxy API: `Pool.stream` writes the upstream's
// answer straight into the client's response, the way undici documents for proxies, with no
// stream in between and no closure per request (the request rides along as `opaque`).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { type HttpResult, problemResponse, requestErrorProblem } from '@mfakit/core/http';
import { type Dispatcher, Pool } from 'undici';
import { answerHeaders } from '../proxy';

/** A request the decision allowed, on its way to the upstream. */
export interface Forwarded {
  /** The client's request: its method, and whether its body was read to the end. */
  req: IncomingMessage;
  /** The client's response, written here alone (the Fastify reply is hijacked). */
  res: ServerResponse;
  /** The request target: the normalized path and the query as sent. */
  path: string;
  /** The headers the upstream gets (`forwardedHeaders`); `host` becomes the upstream's own. */
  headers: IncomingHttpHeaders;
  /** The body: a stream as it arrives, the bytes read for the decision, or none. */
  body: Readable | Buffer | null;
  /** The gateway's own headers for the client (a session an inline code opened): they win over the upstream's. */
  added: Readonly<Record<string, string>>;
}

/** The upstream of standalone mode: its keep-alive connections, and how a request goes through them. */
export interface Upstream {
  /** Sends the request on and streams the answer back; a failure before the answer's head is a problem answer. */
  forward(request: Forwarded): void;
  /** Closes every connection, aborting what is still in flight. */
  close(): Promise<void>;
}

/**
 * The upstream at `origin`, with no retries: a request that has no answer's head within
 * `timeout` ms, or no more of its body for as long, fails. A failure before the head is written
 * is the client's answer: 413 when a streamed body grew past `body_limit`, 504 when the upstream
 * did not answer in time, else 502. After the head, the response is destroyed: the client sees a
 * cut answer, never a second one.
 *
 * @example
 * const upstream = createUpstream('http://127.0.0.1:3000', 30_000);
 * reply.hijack();
 * upstream.forward({ req: request.raw, res: reply.raw, path: request.url, headers, body: null, added: {} });
 */
export function createUpstream(origin: string, timeout: number): Upstream {
  const pool = new Pool(origin, { headersTimeout: timeout, bodyTimeout: timeout });
  const host = new URL(origin).host;
  return {
    forward(request) {
      request.headers.host = host;
      pool.stream({ method: request.req.method as Dispatcher.HttpMethod, path: request.path, headers: request.headers, body: request.body, opaque: request }, writeHead, finish);
    },
    close: () => pool.destroy(),
  };
}

/** Writes the head of the upstream's answer on the client's response, which then gets the body. */
function writeHead({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<Forwarded>): ServerResponse {
  const kept = Object.assign(answerHeaders(headers), opaque.added);
  // A connection whose request body was not read to the end cannot carry another request.
  if (!opaque.req.complete) kept.connection = 'close';
  return opaque.res.writeHead(statusCode, kept);
}

function finish(err: Error | null, { opaque }: Dispatcher.StreamData<Forwarded>): void {
  if (err === null) return;
  const { req, res, added } = opaque;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = upstreamFailure(err);
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...added, ...answer.headers, ...(req.complete ? {} : { Connection: 'close' }), 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** undici's codes for an upstream that did not answer in time: to connect, with the answer's head, between chunks of its body. */
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The answer when forwarding fails: 413 when the body grew past `body_limit` on the way (a chunked
 * body, whose length was not declared: `limitBody`'s error), 504 when the upstream did not answer
 * in time, else 502.
 */
function upstreamFailure(error: Error & { code?: string }): HttpResult {
  const tooLarge = requestErrorProblem(error);
  if (tooLarge?.code === 'payload_too_large') return problemResponse(tooLarge);
  return TIMEOUTS.has(error.code ?? '')
    ? problemResponse({ code: 'gateway_timeout', detail: 'The upstream API did not answer in time.' })
    : problemResponse({ code: 'bad_gateway', detail: 'The upstream API could not be reached.' });
}
