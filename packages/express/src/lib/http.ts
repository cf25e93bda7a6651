import type { MfaRequest, MfaUser } from '@mfakit/core';
import type { HttpResult } from '@mfakit/core/http';
import { mfaUserOf, readMfaRequest } from '@mfakit/core/http';
import type { Request, Response } from 'express';
import { expressReader } from './reader';

/**
 * Reads the primary user off a request; return null (or undefined) when there is none, and the
 * request is answered 401 `authentication_required`. The id keys every piece of MFA state (factors,
 * sessions, lockouts), so it must be stable for the user: not a session or token id. Return
 * `roles` when `policy.required` or an admin `authorize` checks them, and `amr` / `authTime`
 * when `policy.trustedAmr` should accept an upstream SSO's MFA (RFC 8176, OIDC `auth_time`).
 *
 * @example
 * mfaRouter(mfa, { getUser: (req) => (req.session?.account ? { id: req.session.account.uid } : null) });
 */
export type GetUser = (req: Request) => MfaUser | null | undefined;

/**
 * The default `getUser`: passport's `req.user` (as `passport.authenticate()` leaves it), by its
 * `id` or else its `sub` claim, with its `roles`, `amr` and `auth_time` when present with the
 * right types (see `mfaUserOf` of `@mfakit/core`). Null when there is no usable id.
 *
 * @example
 * // API keys for machines, passport for people:
 * requireMfa(mfa, { getUser: (req) => passportUser(req) ?? req.apiClient ?? null });
 */
export const passportUser: GetUser = (req) => mfaUserOf((req as { user?: unknown }).user);

/** Turns an Express request into the plain request the core decides on, every part of it read. */
export function toMfaRequest(req: Request, getUser: GetUser): MfaRequest {
  return readMfaRequest(expressReader, req, getUser(req) ?? null, true);
}

/**
 * Keeps the exact bytes of a JSON body as `req.rawBody`, for a step-up grant bound to the body's
 * digest (`requireFreshMfa(mfa, { once: { bindBody: true } })`): pass it as the `verify` option of
 * `express.json()`. It is the convention NestJS's `rawBody: true` follows too.
 *
 * @param req - The request being parsed.
 * @param _res - Unused.
 * @param buffer - The body's bytes.
 * @see https://expressjs.com/en/api.html#express.json (the `verify` option)
 * @example
 * app.use(express.json({ verify: keepRawBody }));
 */
export function keepRawBody(req: unknown, _res: unknown, buffer: Buffer): void {
  (req as { rawBody?: Buffer }).rawBody = buffer;
}

/**
 * Writes a core answer (`HttpResult`) out unchanged: its status, its headers (`Cache-Control:
 * no-store`, a `WWW-Authenticate` challenge, `Retry-After`...), and its body as JSON
 * (`application/json` unless the answer names its own type, such as the RFC 9457
 * `application/problem+json`), or no body at all. Use it to send the core's answers from your own
 * routes, e.g. a denial of `mfa.check`.
 *
 * @param res - The Express response to write.
 * @param result - The core's answer.
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 *
 * @example
 * const decision = await mfa.check(request, { maxAge: 300 });
 * if (!decision.allow) return writeResult(res, decision.response);
 */
export function writeResult(res: Response, result: HttpResult): void {
  res.status(result.status).set(result.headers);
  if (result.body === undefined) {
    res.end();
    return;
  }
  if (!res.get('Content-Type')) res.type('application/json');
  res.send(JSON.stringify(result.body));
}
