import type { IncomingHttpHeaders } from 'node:http';
import type { MfaRequest, MfaState, MfaUser } from '@mfakit/core';
import { type HttpResult, mfaUserOf, type RequestReader, readMfaRequest } from '@mfakit/core/http';

/**
 * The parts of a platform-express request that mfakit reads and writes. Typed structurally, so
 * that this package needs no `@types/express`; an Express `Request` fits it.
 *
 * @example
 * MfaModule.forRoot(mfa, { getUser: (req: MfaHttpRequest) => (req.user ? { id: String((req.user as { id: number }).id) } : null) });
 */
export interface MfaHttpRequest {
  /** The request headers, by lower-case name: `X-Session-Token`, `X-MFA-Token`, `Cookie`, `User-Agent` are read. */
  headers: IncomingHttpHeaders;
  /** What the primary authentication left, e.g. passport's `req.user`. */
  user?: unknown;
  /** The client's address (Express's `req.ip`: set `trust proxy` behind a proxy), for the rate limit, the audit events and the last proof. */
  ip?: string;
  /** The HTTP method: the `mfa_session` cookie counts on a state-changing one only with JSON or `X-Requested-With` (absent: treated as state-changing). */
  method?: string;
  /** The route parameters (`factorId`, `userId`). */
  params?: Record<string, string | undefined>;
  /** The body Nest's parser read; the controllers use it only when it is JSON. */
  body?: unknown;
  /** Express's content-type test (`type-is`). */
  is?(type: string): string | false | null;
  /** The request target, path and query (Express's `req.originalUrl`; `req.url` otherwise): what a step-up grant names. */
  originalUrl?: string;
  /** The request target as the platform holds it. */
  url?: string;
  /** The exact bytes of the body, which Nest keeps with `NestFactory.create(AppModule, { rawBody: true })`: needed for a step-up grant bound to a body digest. */
  rawBody?: Buffer;
  /** Set by `MfaGuard` on a request it let through. */
  mfa?: MfaState;
}

/**
 * The parts of the Node.js response that mfakit writes (an Express `Response` is one).
 *
 * @example
 * writeResult(host.switchToHttp().getResponse<MfaHttpResponse>(), denied.result);
 */
export interface MfaHttpResponse {
  /** The status to send. */
  statusCode: number;
  /** True once the answer has started: `writeResult` then writes nothing. */
  headersSent: boolean;
  /** Sets one response header. */
  setHeader(name: string, value: string): unknown;
  /** Reads a response header set so far. */
  getHeader(name: string): unknown;
  /** Ends the answer, with the body text if any. */
  end(chunk?: string): unknown;
}

/**
 * Reads the primary user off a request; returns null (or undefined) when there is none, and the
 * request is answered 401 `authentication_required`. The id keys every piece of MFA state, so it
 * must be stable for the user (not a session or token id). Return `roles` when `policy.required`
 * or an admin `authorize` checks them, and `amr` / `authTime` when `policy.trustedAmr` should
 * accept an upstream SSO's MFA (RFC 8176, OIDC `auth_time`).
 *
 * @example
 * const getUser: GetUser = (req) => (req.user ? { id: (req.user as { uid: string }).uid } : null);
 */
export type GetUser = (req: MfaHttpRequest) => MfaUser | null | undefined;

/**
 * The default `getUser`: passport's `req.user` (as `AuthGuard('jwt')` sets it), by its `id` or
 * else its `sub` claim, with its `roles`, `amr` and `auth_time` (see `mfaUserOf`).
 *
 * @example
 * passportUser({ headers: {}, user: { sub: 'alice' } }); // { id: 'alice' }
 */
export const passportUser: GetUser = (req) => mfaUserOf(req.user);

/**
 * How `MfaGuard` and `toMfaRequest` read a request: made once, its methods called only for what
 * a request needs (`req.ip`, which walks `X-Forwarded-For` through Express's `trust proxy`, only
 * for a proof on the request or a risk hook).
 */
export const nestReader: RequestReader<MfaHttpRequest> = {
  headers: (req) => req.headers,
  ip: (req) => req.ip,
  method: (req) => req.method,
  path: (req) => req.originalUrl ?? req.url,
  rawBody: (req) => req.rawBody,
};

/** Turns a request into the plain request the core decides on, every part of it read. */
export function toMfaRequest(req: MfaHttpRequest, getUser: GetUser): MfaRequest {
  return readMfaRequest(nestReader, req, getUser(req) ?? null, true);
}

/** Sets each header on the response, unless it is sent already; touches nothing when there are none. */
export function setHeaders(res: MfaHttpResponse, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) {
    if (res.headersSent) return;
    res.setHeader(name, headers[name]!);
  }
}

/**
 * Writes a core answer out unchanged: status, headers, and the body as JSON (the core's problem
 * answers carry their own `application/problem+json`), with its `Content-Length`; no body when
 * the answer has none. Does nothing when the answer has started already.
 *
 * @param res - The Node.js response (an Express `Response` under platform-express).
 * @param result - The core's answer, e.g. `MfaDenied`'s `result`.
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 *
 * @example
 * // in an application's own catch-all exception filter:
 * if (exception instanceof MfaDenied) return writeResult(host.switchToHttp().getResponse(), exception.result);
 */
export function writeResult(res: MfaHttpResponse, result: HttpResult): void {
  if (res.headersSent) return;
  res.statusCode = result.status;
  setHeaders(res, result.headers);
  if (result.body === undefined) {
    res.end();
    return;
  }
  if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const text = JSON.stringify(result.body);
  // Set, as Express's res.send and Koa do: Node leaves it out of an answer to HEAD.
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  res.end(text);
}
