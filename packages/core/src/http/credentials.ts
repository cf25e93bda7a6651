import type { MfaUser } from '../request';
import type { MfaRequest } from '../request';

/**
 * The name of the cookie that may carry the MFA session token instead of the header. mfakit reads
 * it but never sets it: an application that keeps the token in a cookie sets it itself (HttpOnly,
 * Secure, SameSite) from the `sessionToken` a verification returns.
 *
 * A browser sends a cookie with any request to its site, including one that a cross-site HTML form
 * makes, so the cookie is read only where such a form cannot reach (cross-site request forgery):
 * on a GET, HEAD or OPTIONS, or on a state-changing request (any other method) that carries
 * `Content-Type: application/json` (or `application/*+json`) or an `X-Requested-With` header and
 * whose `Sec-Fetch-Site` is not `cross-site` (`same-origin`, `same-site`, `none` or absent).
 * Elsewhere the request counts as having no session, and the `mfa_required` denial says why.
 * `X-Session-Token` is always read, whatever the request.
 *
 * @see https://owasp.org/www-community/attacks/csrf
 * @see https://www.w3.org/TR/fetch-metadata/ (`Sec-Fetch-Site`)
 * @example
 * // After a verification, from the application's own route:
 * res.cookie(SESSION_COOKIE, verified.sessionToken, { httpOnly: true, secure: true, sameSite: 'strict' });
 * // and the browser's state-changing calls send JSON:
 * fetch('/mfa/recovery-codes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
 */
export const SESSION_COOKIE = 'mfa_session';
const MAX_HEADER_VALUE = 256; // a token is 47 characters: anything longer is not one
const MAX_CODE_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 256; // kept with the last proof: enough to tell browsers apart
// RFC 9110 section 9.2.1: the safe methods, which must not change state. Anything else, or no
// method at all, is treated as state-changing.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
// WHATWG Fetch, "CORS-safelisted request-header": a form, or a fetch without a CORS preflight,
// can send only these three types; application/json and +json need a preflight.
const JSON_TYPE = /^application\/(?:[^\s/;]+\+)?json$/;

/** A request's headers as Node.js parses them (`req.headers`, Koa's `ctx.headers`): lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Builds the plain request the core decides on from an HTTP request's parts: the primary user,
 * the headers, the client's address and the method. From the headers it reads the session token
 * (`X-Session-Token`, or the `mfa_session` cookie), an inline code (`X-MFA-Token`) and the
 * User-Agent (cut to 256 characters) for the record of the last proof. An over-long session token
 * is dropped and an over-long code cut short, here, so that no adapter has to think about them.
 * It reads each header once. The adapters' `requireMfa` read through {@link readMfaRequest}
 * instead, which leaves the address unread where the check has no use for it.
 *
 * The cookie is not read on a state-changing request that a cross-site form could send (see
 * {@link SESSION_COOKIE}): the request then has no session token and `cookieRefused` is set, so
 * that the denial tells the client what to send instead.
 *
 * @param user - The primary user (see `mfaUserOf`), or null.
 * @param headers - The request's headers, names in lower case as Node.js gives them.
 * @param ip - The client's address as the framework resolves it (trusting proxies as configured).
 * @param method - The HTTP method (`req.method`, Koa's `ctx.method`). Without it the request is
 *   treated as state-changing (the conservative choice), so the cookie counts only
 *   with JSON or `X-Requested-With`; the adapters always pass it.
 * @param path - The request target, path and query as the client sent it (`req.originalUrl`):
 *   with `method`, what a step-up grant (`X-MFA-Grant`) must have been made for.
 * @returns The request for `guard`, `mfa.check` and the other methods of the core.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1 (safe methods)
 *
 * @example
 * const request = mfaRequestOf(mfaUserOf(req.user), req.headers, req.ip, req.method);
 * const decision = await mfa.check(request);
 */
export function mfaRequestOf(user: MfaUser | null, headers: RequestHeaders, ip: string | undefined, method?: string, path?: string): MfaRequest {
  return readMfaRequest(PARTS, { headers, ip, method, path }, user, true);
}

/** A request's parts as {@link mfaRequestOf} takes them. */
interface Parts {
  headers: RequestHeaders;
  ip: string | undefined;
  method: string | undefined;
  path: string | undefined;
}

const PARTS: RequestReader<Parts> = {
  headers: (parts) => parts.headers,
  ip: (parts) => parts.ip,
  method: (parts) => parts.method,
  path: (parts) => parts.path,
};

/**
 * How an adapter reads its framework's request, for {@link readMfaRequest} and `guardRequest`:
 * one object per adapter, made once, whose methods are called only for what a request needs.
 * The headers are always read; the address and the User-Agent only for a proof made on the
 * request (an inline code, a grant) or for the risk hook; the method only for a grant or the
 * session cookie; the path and the body only for a grant.
 *
 * @typeParam Req - The framework's request (Express's `Request`, Koa's `Context`...).
 * @example
 * const expressReader: RequestReader<Request> = {
 *   headers: (req) => req.headers,
 *   ip: (req) => req.ip,
 *   method: (req) => req.method,
 *   path: (req) => req.originalUrl,
 *   rawBody: (req) => req.rawBody,
 * };
 */
export interface RequestReader<Req> {
  /** The request's headers, names in lower case as Node.js gives them. */
  headers(req: Req): RequestHeaders;
  /** The client's address as the framework resolves it (trusting proxies as configured). */
  ip(req: Req): string | undefined;
  /** The HTTP method (`req.method`). */
  method(req: Req): string | undefined;
  /** The request target, path and query as the client sent it (`req.originalUrl`). */
  path(req: Req): string | undefined;
  /**
   * What the framework kept of the body (see {@link withRawBody}), if anything. Without this
   * method the request is left without `rawBody`, as {@link mfaRequestOf} leaves it.
   */
  rawBody?(req: Req): unknown;
}

/**
 * {@link mfaRequestOf} for a framework's request through its {@link RequestReader}: the same
 * request, except that the client's address and User-Agent are read only when `client` is true
 * or the request carries a proof of its own (`X-MFA-Token`, `X-MFA-Grant`), and the body (see
 * {@link withRawBody}) is added for a grant. The session check of a protected route reads
 * neither on its usual path, and an address can cost more than the rest of the request to
 * resolve (Express's `req.ip` walks `X-Forwarded-For` through `trust proxy`).
 *
 * @param reader - The adapter's reader.
 * @param req - The framework's request.
 * @param user - The primary user (see `mfaUserOf`), or null.
 * @param client - Read the address and the User-Agent whatever the request (the risk hook
 *   weighs them on every check).
 * @returns One plain object, for `decideRequest` and the other methods of the core.
 * @example
 * const request = readMfaRequest(expressReader, req, mfaUserOf(req.user), false);
 */
export function readMfaRequest<Req>(reader: RequestReader<Req>, req: Req, user: MfaUser | null, client: boolean): MfaRequest {
  const headers = reader.headers(req);
  const code = first(headers['x-mfa-token'])?.trim();
  const grant = capped(first(headers['x-mfa-grant']));
  // The same properties in the same order on every request: one shape for the core to read.
  const request: MfaRequest = {
    user,
    sessionToken: capped(first(headers['x-session-token'])) || undefined,
    // An over-long inline code is still a (wrong) code, not a missing one: cut, it fails as such.
    inlineCode: code ? code.slice(0, MAX_CODE_LENGTH) : undefined,
    userAgent: undefined,
    ip: undefined,
  };
  if (client || code || grant) {
    const userAgent = first(headers['user-agent']);
    request.userAgent = userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : undefined;
    request.ip = reader.ip(req);
  }
  // A grant is judged only where it is sent: every other request skips these reads.
  if (grant) {
    request.grant = grant;
    const method = reader.method(req);
    const path = reader.path(req);
    if (method !== undefined && path !== undefined) request.target = { method: method.toUpperCase(), path };
    if (reader.rawBody) withRawBody(request, reader.rawBody(req), headers);
  }
  if (request.sessionToken === undefined) {
    const fromCookie = capped(cookie(first(headers.cookie), SESSION_COOKIE)) || undefined;
    if (fromCookie !== undefined) {
      if (cookieAllowed(headers, reader.method(req))) request.sessionToken = fromCookie;
      else request.cookieRefused = true;
    }
  }
  return request;
}

/**
 * Adds the exact bytes of the body to a request that carries a step-up grant (`X-MFA-Grant`), for
 * a grant bound to a body digest: `raw` when the framework kept them (`req.rawBody` of
 * `express.json({ verify: keepRawBody })`, of NestJS's `rawBody: true`, of @koa/bodyparser), an
 * empty body when the request has none (no `Content-Length` above 0, no `Transfer-Encoding`), and
 * nothing otherwise: a grant bound to a digest is then refused. Other requests are left as they are.
 *
 * @param request - From {@link mfaRequestOf}; changed in place and returned.
 * @param raw - What the framework kept of the body, if anything (a Buffer or a string).
 * @param headers - The request's headers.
 * @returns The request.
 * @see https://www.rfc-editor.org/rfc/rfc9530 (Content-Digest)
 * @example
 * const request = withRawBody(mfaRequestOf(user, req.headers, req.ip, req.method, req.originalUrl), req.rawBody, req.headers);
 */
export function withRawBody(request: MfaRequest, raw: unknown, headers: RequestHeaders): MfaRequest {
  if (request.grant === undefined) return request;
  if (typeof raw === 'string' || raw instanceof Uint8Array) request.rawBody = raw;
  else if (headers['transfer-encoding'] === undefined && !(Number(first(headers['content-length'])) > 0)) request.rawBody = '';
  return request;
}

/**
 * Whether a request may be trusted with the ambient cookie: a safe method, or a state-changing
 * one that a cross-site form cannot send and that the browser does not mark as cross-site.
 */
function cookieAllowed(headers: RequestHeaders, method: string | undefined): boolean {
  if (method !== undefined && SAFE_METHODS.has(method.toUpperCase())) return true;
  if (first(headers['sec-fetch-site'])?.trim().toLowerCase() === 'cross-site') return false;
  if (headers['x-requested-with'] !== undefined) return true;
  const type = first(headers['content-type']);
  return type !== undefined && JSON_TYPE.test(type.split(';', 1)[0]!.trim().toLowerCase());
}

const first = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' ? value : value?.[0]);

const capped = (text: string | undefined): string | undefined => (text !== undefined && text.length <= MAX_HEADER_VALUE ? text.trim() : undefined);

// The cap applies to the cookie's value, not to the whole Cookie header, which a browser fills
// with every other cookie of the site too.
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
