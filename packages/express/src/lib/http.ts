import type { HttpResult, MfaRequest, MfaUser } from '@mfakit/core';
import { mfaUserOf, readCredentials } from '@mfakit/core';
import type { Request, Response } from 'express';

/** Reads the primary user off a request; return null when there is none. */
export type GetUser = (req: Request) => MfaUser | null | undefined;

/** passport's `req.user`, by its `id` or else its `sub` claim, with its `roles`, `amr` and `auth_time` (see `mfaUserOf`). */
export const passportUser: GetUser = (req) => mfaUserOf((req as { user?: unknown }).user);

/** Turns an Express request into the plain request the core decides on. */
export function toMfaRequest(req: Request, getUser: GetUser): MfaRequest {
  return { user: getUser(req) ?? null, ...readCredentials((name) => req.headers[name]), ip: req.ip };
}

/** Writes a core answer out unchanged. */
export function writeResult(res: Response, result: HttpResult): void {
  res.status(result.status).set(result.headers);
  if (result.body === undefined) {
    res.end();
    return;
  }
  if (!res.get('Content-Type')) res.type('application/json');
  res.send(JSON.stringify(result.body));
}
