import { createServer, maxHeaderSize, type RequestListener, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type DemoProblemCode, problem } from './problems';

/**
 * Answers what Node's HTTP parser rejects before Express sees it (headers over the limit, broken
 * HTTP, a request too slow to arrive) with a problem+json body, instead of Node's bare status line.
 * The same for every framework: it happens before any of them sees the request.
 * The connection is closed afterwards: the parser cannot resume after such an error.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let code: 'invalid_request' | DemoProblemCode = 'invalid_request';
  let detail = 'The request is not valid HTTP.';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    code = 'request_header_fields_too_large';
    detail = `The request headers are larger than the ${Math.round(maxHeaderSize / 1024)} KB this server accepts.`;
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'request_timeout';
    detail = 'The request took too long to arrive.';
  }
  const { status, headers, body } = problem(code, detail);
  const text = JSON.stringify(body);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  lines.push(`Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

/**
 * Starts an HTTP server for the app on `port` (0: any free port); resolves once it listens. With
 * `app` null the server listens first and the caller attaches the app (`server.on('request',
 * app)`) once it knows the port, e.g. to build the WebAuthn origin from it.
 */
export function startServer(app: RequestListener | null, port: number, host?: string): Promise<Server> {
  const server = app ? createServer(app) : createServer();
  server.on('clientError', answerClientError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The port a listening server got. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
