// Threat: what Node's HTTP parser refuses before any framework runs (oversized headers, broken
// HTTP) is answered with a bare status line or a dropped socket, which clients cannot explain.
// startServer, which every demo's server.ts listens with, answers it with a problem+json body.
import http, { type RequestListener, type Server } from 'node:http';
import net from 'node:net';
import { portOf, startServer } from '@mfakit/example-shared';

/** Stands in for a demo: counts what reaches it and answers 200. */
let served = 0;
const app: RequestListener = (_req, res) => {
  served += 1;
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
};

let server: Server;
let port: number;

beforeAll(async () => {
  server = await startServer(app, 0, '127.0.0.1');
  port = portOf(server);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(headers: Record<string, string>, to = port): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: to, path: '/api/profile', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('a 20 KB header is answered 431 with a problem+json body, and never reaches the app', async () => {
  const before = served;
  const res = await get({ 'X-Padding': 'a'.repeat(20 * 1024) });
  expect(res.status).toBe(431);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(JSON.parse(res.body)).toEqual({
    type: 'urn:mfakit:problem:request_header_fields_too_large',
    title: 'The request headers are too large',
    status: 431,
    detail: expect.stringMatching(/^The request headers are larger than the \d+ KB this server accepts\.$/),
    code: 'request_header_fields_too_large',
  });
  expect(served).toBe(before);
});

test('a request that is not HTTP is answered 400 invalid_request with a problem+json body', async () => {
  const answer = await raw('HELLO THERE\r\n\r\n');
  expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  expect(answer).toContain('Content-Type: application/problem+json');
  expect(answer).toContain('Connection: close');
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'invalid_request' });
});

test('the listener still serves ordinary requests', async () => {
  const before = served;
  const res = await get({});
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ ok: true });
  expect(served).toBe(before + 1);
});

test('without an app it listens first, and the app attached afterwards answers', async () => {
  const late = await startServer(null, 0, '127.0.0.1');
  try {
    late.on('request', app);
    expect((await get({}, portOf(late))).status).toBe(200);
  } finally {
    await new Promise<void>((resolve) => late.close(() => resolve()));
  }
});

test('a port already taken rejects with EADDRINUSE instead of crashing the process', async () => {
  await expect(startServer(app, port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
});
