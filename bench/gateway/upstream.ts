// The API behind every variant of the gateway benchmark, in a process of its own:
//   node <compiled upstream.js>      (the suite compiles it: see lib/build.ts)
// A plain node:http server that answers every request 200 with a small JSON body naming the user
// the request arrived with (`X-MFA-User`, empty when none): the suite's preflight reads it to
// check that the gateway's identity reached the API. It prints one line when it listens,
//   {"ready":true,"port":N}
// and stops on SIGTERM or SIGINT, or when its standard input closes (the suite is gone).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const HOST = '127.0.0.1';
// Longer than the proxies keep an idle connection to it (nginx's upstream keepalive_timeout
// 60 s, undici 4 s), so that the API never closes one under a proxy about to reuse it.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const server = createServer((req, res) => {
  const user = req.headers['x-mfa-user'];
  const body = JSON.stringify({ user: typeof user === 'string' ? user : '', plan: 'pro', quota: 1000 });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
process.stdin.on('end', stop).resume();

server.listen(0, HOST, () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })}\n`);
});
