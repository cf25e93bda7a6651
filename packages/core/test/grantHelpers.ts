// What the step-up grant tests share: a grant made with a TOTP code for one action, and the
// request that presents it.
import { createHash } from 'node:crypto';
import type { MfaRequest, StepUpAction } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { type Enrolled, type Harness, unwrap } from './helpers';

/** The RFC 9530 `Content-Digest` value of a body, as a client computes it. */
export const digestOf = (body: string) => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

/** A grant for `action`, proved with the user's current TOTP code (a step later, so the code is not a replay). */
export async function grantFor(h: Harness, enrolled: Enrolled, action: StepUpAction): Promise<string> {
  h.clock.advanceSeconds(30);
  return unwrap(await h.mfa.grant({ user: enrolled.user }, { code: totpCode(enrolled.secret, h.clock) }, action)).grant;
}

/** The request that presents `grant` for `method path` with `body`, as an adapter builds it. */
export function presenting(enrolled: { user: { id: string } }, grant: string, method: string, path: string, body = ''): MfaRequest {
  return { user: enrolled.user, grant, target: { method, path }, rawBody: body };
}

export const ONCE = { once: { bindBody: false }, maxAge: 300 };
export const ONCE_BODY = { once: { bindBody: true }, maxAge: 300 };
