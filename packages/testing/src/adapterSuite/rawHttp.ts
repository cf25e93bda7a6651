import { createServer, type RequestListener, Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { WireHeader } from './arbitraries';

/**
 * A request written byte for byte: whatever the method, target and headers hold goes on the wire
 * as is (a header value given as text is written as Latin-1, one given as bytes unchanged).
 *
 * @example
 * const request: RawRequest = { method: 'POST', target: '/mfa/./verify', headers: [['X-Test-User', 'alice']], body: Buffer.from('{}') };
 */
export interface RawRequest {
  method: string;
  /** The request target: a path, with a query or not, or anything else. */
  target: string;
  headers: WireHeader[];
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` rather than a `Content-Length`. */
  chunked?: boolean;
}

/**
 * The final answer to a {@link RawRequest}, 1xx interim answers skipped.
 *
 * @example
 * const { status, headers, body } = await sendRaw(port, request);
 * headers['content-type']?.[0]; // 'application/problem+json; charset=utf-8'
 */
export interface RawResponse {
  status: number;
  /** Header names in lower case; every value of a repeated header. */
  headers: Record<string, string[]>;
  /** The body, de-chunked. */
  body: Buffer;
}

const ANSWER_TIMEOUT_MS = 10_000; // a request without an answer by then hangs: that is a finding too

/**
 * Sends one request on a new connection, exactly as written: Node's client (and supertest, and
 * fetch) refuse UTF-8 and control characters in headers and resolve dot segments in paths, which
 * would hide what a server must survive. `Host` and `Connection: close` go first, so that a header
 * or target that smuggles a second request cannot have a second answer read as the first. The
 * first answer is read (to its `Content-Length`, its last chunk, or the connection's end), and the
 * connection closed.
 *
 * @param port - A server listening on 127.0.0.1.
 * @param request - What to write.
 * @returns The answer; rejects when the server closes without one, or gives none within ten seconds.
 * @example
 * const answer = await sendRaw(port, { method: 'GET', target: '/mfa', headers: [['X-Test-User', Buffer.from('Zoë')]] });
 * expect(answer.status).toBeLessThan(500);
 */
export function sendRaw(port: number, request: RawRequest): Promise<RawResponse> {
  const lines: Buffer[] = [Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`, 'latin1')];
  for (const [name, value] of request.headers) lines.push(Buffer.from(`${name}: `, 'latin1'), typeof value === 'string' ? Buffer.from(value, 'latin1') : value, Buffer.from('\r\n'));
  const body = request.body ?? Buffer.alloc(0);
  if (!request.chunked) lines.push(Buffer.from(request.body ? `Content-Length: ${body.length}\r\n\r\n` : '\r\n'), body);
  else if (body.length === 0) lines.push(Buffer.from('Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
  else lines.push(Buffer.from(`Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n'));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
    const settle = (closed: boolean, err?: Error) => {
      const received = Buffer.concat(chunks);
      const answer = parseAnswer(received, { head: request.method === 'HEAD', closed });
      if (!answer && !closed) return;
      clearTimeout(timer);
      socket.destroy();
      if (answer) resolve(answer);
      else reject(new Error(`the server closed the connection without an answer (${err ? err.message : received.toString('latin1').slice(0, 200) || 'nothing'})`));
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      settle(false);
    });
    socket.on('end', () => settle(true));
    // A reset after the answer (the server closed with bytes of ours unread) loses nothing we need.
    socket.on('error', (err) => settle(true, err));
    // Written, not ended: Node's server drops a request whose client half-closes before the answer.
    socket.write(Buffer.concat(lines));
  });
}

/**
 * The first final (non-1xx) answer in `bytes`, or null while it is incomplete: its body ends where
 * `Content-Length` says, at the last chunk, at once for HEAD, 204 and 304, or else when the
 * server closes the connection.
 */
function parseAnswer(bytes: Buffer, { head, closed }: { head: boolean; closed: boolean }): RawResponse | null {
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const [statusLine = '', ...headerLines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (!status) return null;
    rest = rest.subarray(end + 4);
    if (status < 200) continue;
    const headers: Record<string, string[]> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      headers[name] = [...(headers[name] ?? []), line.slice(colon + 1).trim()];
    }
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (headers['transfer-encoding']?.[0] === 'chunked') {
      const body = dechunked(rest);
      return body ? { status, headers, body } : null;
    }
    const length = headers['content-length']?.[0];
    if (length !== undefined) return rest.length >= Number(length) ? { status, headers, body: rest.subarray(0, Number(length)) } : null;
    return closed ? { status, headers, body: rest } : null;
  }
}

/** A chunked body decoded, or null until its last chunk has arrived. */
function dechunked(bytes: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (!(size > 0) || bytes.length < lineEnd + 2 + size + 2) return null;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * A listening server for an app, with a count of the requests that reached its listener (not
 * those Node's parser refused before any listener ran).
 *
 * @example
 * const server = await listenCounting(app);
 * const before = server.reached();
 * await sendRaw(server.port, request);
 * const reachedTheApp = server.reached() > before;
 */
export interface Listening {
  port: number;
  /** How many requests Node handed to the application so far. */
  reached(): number;
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port with the app (a request listener, or a Node server such as
 * Nest's, which is listened on itself), counting the requests that reach it.
 *
 * @param handler - Express's `app`, Koa's `app.callback()`, or a Node server.
 * @returns The port, the count, and how to close it (open connections too).
 * @example
 * const server = await listenCounting(app.callback());
 * afterAll(() => server.close());
 */
export async function listenCounting(handler: RequestListener | Server): Promise<Listening> {
  const server = handler instanceof Server ? handler : createServer(handler);
  let reached = 0;
  server.prependListener('request', () => {
    reached += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    reached: () => reached,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
