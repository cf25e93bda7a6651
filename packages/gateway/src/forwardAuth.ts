import { problemResponse } from '@mfakit/core/http';
import { writeResult } from '@mfakit/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import proxyAddr from 'proxy-addr';
import type { GatewayRequest, Verdict } from './decide';
import { normalizePath } from './paths';
import type { GatewayConfig } from './types';

/** The original request as a proxy describes it, before its path is normalized. */
interface Described {
  method: string | undefined;
  /** The request target: path and query. */
  target: string | undefined;
  host: string | undefined;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Traefik and Caddy: `X-Forwarded-Method`, `-Uri` (path and query), `-Host`. */
const fromForwardedHeaders = (request: FastifyRequest): Described => ({
  method: first(request.headers['x-forwarded-method']),
  target: first(request.headers['x-forwarded-uri']),
  host: first(request.headers['x-forwarded-host']),
});

/** nginx `auth_request`: `X-Original-Method` and `X-Original-URL` (absolute: scheme, host, path, query). */
function fromOriginalHeaders(request: FastifyRequest): Described {
  const url = first(request.headers['x-original-url']);
  // Split by hand: `new URL` would resolve dot segments and re-encode, hiding what was sent.
  const match = url === undefined ? null : /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^#]*)/i.exec(url);
  return { method: first(request.headers['x-original-method']), target: match ? match[2] || '/' : undefined, host: match?.[1] };
}

/**
 * The forward-auth endpoints, registered under `/authz`: the same decision as standalone mode,
 * answered to a proxy instead of forwarded. Allow: `200`, no body, the identity headers (every
 * one, empty when unknown, so that a client's own copy is replaced) and a new `X-Session-Token`
 * after an inline code. Refusal: the problem answer (401 with one `WWW-Authenticate` line, 403,
 * 429, 503); a 403 for a rule with `once: { bind_body: true }`, since the proxy keeps the body.
 * A step-up grant (`X-MFA-Grant`) is read from the headers the proxy passes on, like the other
 * credentials. The original request is read from the proxy's headers only when the connection
 * comes from `trusted_proxies`; from anywhere else those headers are not believed, and the call
 * is a 403.
 * - `GET /authz/forward-auth`: Traefik `forwardAuth`, Caddy `forward_auth` (`X-Forwarded-Method`,
 *   `-Uri`, `-Host`; the client from `X-Forwarded-For`).
 * - `GET /authz/auth-request`: nginx `auth_request` (`X-Original-Method`, `X-Original-URL`).
 * - `/authz/ext-authz/*`, any method: Envoy `ext_authz` in HTTP mode with `path_prefix:
 *   /authz/ext-authz`: the method is the request's, the path what follows the prefix, the host
 *   its Host header.
 *
 * @example
 * app.register(forwardAuthRoutes(config, decide), { prefix: '/authz' });
 */
export function forwardAuthRoutes(config: GatewayConfig, decide: (request: GatewayRequest) => Promise<Verdict>) {
  const trusted = proxyAddr.compile(config.trustedProxies);
  const isTrusted = (request: FastifyRequest) => trusted(request.raw.socket.remoteAddress ?? '', 0);

  const answer = async (request: FastifyRequest, reply: FastifyReply, described: Described) => {
    if (!isTrusted(request)) {
      return writeResult(reply, problemResponse({ code: 'forbidden', detail: 'Forward-auth calls are answered only for the addresses in trusted_proxies.' }));
    }
    const { method, target, host } = described;
    if (!method || !target || !/^[A-Z]{1,20}$/.test(method)) {
      return writeResult(reply, problemResponse({ code: 'invalid_request', detail: 'The proxy did not say which request to judge (method and URI headers).' }));
    }
    // The proxy forwards the path as sent, and upstreams do not all resolve dot segments as the
    // gateway would: a path with any is refused rather than judged under another name.
    const queryAt = target.indexOf('?');
    const normalized = normalizePath(queryAt === -1 ? target : target.slice(0, queryAt), { dotSegments: 'refuse' });
    if (!normalized.ok) return writeResult(reply, problemResponse({ code: 'invalid_request', detail: `The path is refused: ${normalized.reason}.` }));
    const query = queryAt === -1 ? '' : target.slice(queryAt);
    // The body stays with the proxy: a rule that binds step-up grants to it refuses here.
    const verdict = await decide({ method, path: normalized.path, query, host: hostName(host ?? request.host), headers: request.headers, ip: request.ip, bodyUnseen: true });
    if (!verdict.allow) return writeResult(reply, verdict.response);
    return reply
      .code(200)
      .headers({ 'Cache-Control': 'no-store', ...verdict.identity, ...verdict.headers })
      .send();
  };

  return async function forwardAuth(app: FastifyInstance) {
    // A proxy may send the original request's body along (Envoy can): it is not read.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    app.get('/forward-auth', (request, reply) => answer(request, reply, fromForwardedHeaders(request)));
    app.get('/auth-request', (request, reply) => answer(request, reply, fromOriginalHeaders(request)));
    // The path as Envoy sent it (before the gateway's own normalization, which resolves dot segments).
    app.all('/ext-authz/*', (request, reply) => answer(request, reply, { method: request.method, target: extAuthzTarget(request.originalUrl), host: request.host }));
  };
}

const EXT_AUTHZ_PREFIX = '/authz/ext-authz/';

/** The original request target of an Envoy check: what follows the prefix, or nothing when the prefix was spelled otherwise. */
const extAuthzTarget = (url: string) => (url.toLowerCase().startsWith(EXT_AUTHZ_PREFIX) ? url.slice(EXT_AUTHZ_PREFIX.length - 1) : undefined);

/** A Host header's name: lower-case, without the port (an IPv6 literal keeps its brackets). */
export function hostName(host: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!;
  return name.toLowerCase();
}
