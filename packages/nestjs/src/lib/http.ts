import type { IncomingHttpHeaders } from 'node:http';
import { type HttpResult, type MfaRequest, type MfaState, type MfaUser, mfaUserOf, readCredentials } from '@mfakit/core';

/**
 * The parts of a platform-express request that mfakit reads and writes. Typed structurally, so
 * that this package needs no `@types/express`; an Express `Request` fits it.
 *
 * @example
 * MfaModule.forRoot(mfa, { getUser: (req: MfaHttpRequest) => (req.user ? { id: String((req.user as { id: number }).id) } : null) });
 */
export interface MfaHttpRequest {
  headers: IncomingHttpHeaders;
  /** What the primary authentication left, e.g. passport's `req.user`. */
  user?: unknown;
  ip?: string;
  params?: Record<string, string | undefined>;
  body?: unknown;
  /** Express's content-type test (`type-is`). */
  is?(type: string): string | false | null;
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
  statusCode: number;
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  end(chunk?: string): unknown;
}

/**
 * Reads the primary user off a request; returns null (or undefined) when there is none.
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

/** Turns a request into the plain request the core decides on. */
export function toMfaRequest(req: MfaHttpRequest, getUser: GetUser): MfaRequest {
  return { user: getUser(req) ?? null, ...readCredentials((name) => req.headers[name]), ip: req.ip };
}

/** Sets each header on the response, unless it is sent already. */
export function setHeaders(res: MfaHttpResponse, headers: Record<string, string>): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/**
 * Writes a core answer out unchanged: status, headers, and the body as JSON (the core's problem
 * answers carry their own `application/problem+json`).
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
