import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { problemResponse, writeToSocket } from '@mfakit/core/http';
import proxyAddr from 'proxy-addr';
import type { GatewayRequest, Verdict } from './decide';
import { hostName } from './forwardAuth';
import { normalizePath } from './paths';
import { forwardedHeaders } from './proxy';

/** What an upgrade tunnel needs: the upstream, the trusted proxies, the gateway's own paths, the decision. */
export interface UpgradeOptions {
  upstream: string;
  trustedProxies: string[];
  isOwn(path: string): boolean;
  decide(request: GatewayRequest): Promise<Verdict>;
}

/**
 * Standalone mode's WebSocket (and any `Upgrade`) requests: judged like any other request (the
 * path normalized, the token verified, the rules and the core asked), then, when allowed, tunnelled
 * to the upstream with the same headers a forwarded request gets. A refusal is the problem answer,
 * and the connection closes. Node hands upgrades to the server's `upgrade` event, outside Fastify's
 * routing, so this listens there.
 *
 * @example
 * proxyUpgrades(app.server, { upstream, trustedProxies, isOwn, decide });
 */
export function proxyUpgrades(server: http.Server, options: UpgradeOptions): void {
  const trust = proxyAddr.compile(options.trustedProxies);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    tunnel(req, socket, head, options, proxyAddr(req, trust)).catch(() => writeToSocket(socket, problemResponse({ code: 'internal_error', detail: 'The gateway failed to answer this request.' })));
  });
}

async function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, options: UpgradeOptions, ip: string): Promise<void> {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  const normalized = normalizePath(queryAt === -1 ? url : url.slice(0, queryAt));
  if (!normalized.ok) return writeToSocket(socket, problemResponse({ code: 'invalid_request', detail: `The path is refused: ${normalized.reason}.` }));
  if (options.isOwn(normalized.path)) return writeToSocket(socket, problemResponse({ code: 'not_found', detail: 'The gateway has no WebSocket route here.' }));
  const host = req.headers.host ?? '';
  const verdict = await options.decide({ method: req.method ?? 'GET', path: normalized.path, query: queryAt === -1 ? '' : url.slice(queryAt), host: hostName(host), headers: req.headers, ip });
  if (!verdict.allow) return writeToSocket(socket, verdict.response);

  const headers = { ...forwardedHeaders(req.headers, verdict.identity, { ip, protocol: 'http', host }), connection: 'Upgrade', upgrade: req.headers.upgrade };
  const target = new URL(options.upstream);
  const upstream = (target.protocol === 'https:' ? https : http).request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: queryAt === -1 ? normalized.path : normalized.path + url.slice(queryAt),
    headers,
  });
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    socket.write(statusLine(answer) + headerLines({ ...answer.headers, ...verdict.headers }));
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  // The upstream declined the upgrade: its answer goes back, its body (decoded here) ended by the
  // connection's close rather than by chunks.
  upstream.on('response', (answer) => {
    socket.write(statusLine(answer) + headerLines({ ...answer.headers, 'transfer-encoding': undefined, connection: 'close' }));
    answer.pipe(socket);
  });
  upstream.on('error', () => writeToSocket(socket, problemResponse({ code: 'bad_gateway', detail: 'The upstream API could not be reached.' })));
  upstream.end();
}

const statusLine = (answer: IncomingMessage) => `HTTP/1.1 ${answer.statusCode} ${answer.statusMessage ?? ''}\r\n`;

function headerLines(headers: Record<string, string | string[] | undefined>): string {
  let lines = '';
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines += `${name}: ${one}\r\n`;
  }
  return `${lines}\r\n`;
}
