// The floor of an MFA gateway written in Node, in a process of its own: the least such a gateway
// does for a request, against which the gateway's figures are judged.
//   BENCH_UPSTREAM_URL=<url> BENCH_FLOOR_TOKEN=<jwt> BENCH_FLOOR_SESSION=<token> node <compiled floor.js>
// A plain node:http server that, for every request, looks the bearer token up in a Map (a token
// verified before, as the gateway remembers them), hashes the session token (SHA-256) and looks
// that up too, then:
//   /authz/auth-request  answers nginx's auth_request: 200 with the identity headers, or 401;
//   anything else        forwards the request to the upstream with undici (`Pool.stream`, the way
//                        undici documents for proxies), without the credentials and hop-by-hop
//                        headers, with the identity headers; the answer streamed back.
// No rules, no problem answers, no path checks, no body limits: what no gateway can skip. It
// prints {"ready":true,"port":N} when it listens, and stops on SIGTERM or SIGINT, or when its
// standard input closes (the suite is gone).
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { BENCH_USER } from './lib/config';

const HOST = '127.0.0.1';
const AUTH_REQUEST_PATH = '/authz/auth-request';
const { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_FLOOR_TOKEN: token, BENCH_FLOOR_SESSION: session } = process.env;
if (!upstreamUrl || !token || !session) throw new Error('BENCH_UPSTREAM_URL, BENCH_FLOOR_TOKEN and BENCH_FLOOR_SESSION must be set');

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const users = new Map([[`Bearer ${token}`, BENCH_USER]]);
const sessions = new Map([[sha256(session), { user: BENCH_USER, amr: 'otp', authTime: String(Math.floor(Date.now() / 1000)) }]]);
const upstream = new Pool(upstreamUrl, { connections: 64 });

/** Request headers the upstream never gets. */
const DROPPED = new Set(['authorization', 'x-session-token', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'host']);
/** Answer headers the client never gets: the upstream connection's own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function identityOf(headers: IncomingHttpHeaders): Record<string, string> | null {
  const user = headers.authorization === undefined ? undefined : users.get(headers.authorization);
  const sessionToken = headers['x-session-token'];
  const found = user === undefined || typeof sessionToken !== 'string' ? undefined : sessions.get(sha256(sessionToken));
  if (found === undefined || found.user !== user) return null;
  return { 'x-mfa-user': found.user, 'x-mfa-amr': found.amr, 'x-mfa-auth-time': found.authTime };
}

function refuse(res: ServerResponse): void {
  res.writeHead(401, { 'Content-Length': 0 }).end();
}

const server = createServer((req, res) => {
  const identity = identityOf(req.headers);
  if (req.url === AUTH_REQUEST_PATH) {
    if (identity === null) return refuse(res);
    res.writeHead(200, { ...identity, 'Content-Length': 0 }).end();
    return;
  }
  if (identity === null) return refuse(res);
  const headers: Record<string, string | string[]> = identity;
  for (const name in req.headers) if (!DROPPED.has(name)) headers[name] = req.headers[name]!;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  upstream
    .stream({ method: req.method as 'GET', path: req.url!, headers, body: hasBody ? req : null }, ({ statusCode, headers: answer }) => {
      const kept: Record<string, string | string[]> = {};
      for (const name in answer) if (!HOP_BY_HOP.has(name)) kept[name] = answer[name]!;
      res.writeHead(statusCode, kept);
      return res;
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Length': 0 });
      res.end();
    });
});
server.keepAliveTimeout = 65_000;

const stop = () => {
  server.closeAllConnections();
  server.close(() => void upstream.close().finally(() => process.exit(0)));
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
process.stdin.on('end', stop).resume();

server.listen(0, HOST, () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })}\n`);
});
