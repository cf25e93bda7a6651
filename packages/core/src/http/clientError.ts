import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type HttpResult, problemResponse } from './problems';

/**
 * The problem for what Node's HTTP parser rejects before any framework sees the request: headers
 * over the limit (431 `request_header_fields_too_large`), a request too slow to arrive (408
 * `request_timeout`), anything else that is not valid HTTP (400 `invalid_request`).
 *
 * @param err - The error of the server's `clientError` event.
 * @returns The answer, for {@link writeToSocket}.
 * @example
 * clientErrorResponse(Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' })).status; // 431
 */
export function clientErrorResponse(err: Error & { code?: string }): HttpResult {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return problemResponse({ code: 'request_header_fields_too_large', detail: `The request headers are larger than the ${Math.round(maxHeaderSize / 1024)} KB this server accepts.` });
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return problemResponse({ code: 'request_timeout', detail: 'The request took too long to arrive.' });
  return problemResponse({ code: 'invalid_request', detail: 'The request is not valid HTTP.' });
}

/**
 * Writes an answer on a raw socket (a `clientError` or an `upgrade` event, where there is no
 * response object): the status line, the headers, `Content-Length`, `Connection: close` and the
 * JSON body; then ends the connection.
 *
 * @param socket - The connection.
 * @param answer - What to send, e.g. a `problemResponse`.
 * @example
 * server.on('upgrade', (req, socket) => writeToSocket(socket, problemResponse({ code: 'not_found', detail: 'No WebSocket here.' })));
 */
export function writeToSocket(socket: Duplex, answer: HttpResult): void {
  if (socket.destroyed) return;
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`, ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`)];
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * A server's `clientError` listener: answers what Node's parser rejects with the contract's
 * problem+json (see {@link clientErrorResponse}) instead of Node's bare status line, then closes
 * the connection (the parser cannot resume after such an error). A connection already reset or
 * no longer writable is destroyed.
 *
 * @param err - The parser's error.
 * @param socket - The connection.
 * @example
 * const server = http.createServer(app);
 * server.on('clientError', answerClientError);
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  writeToSocket(socket, clientErrorResponse(err));
}
