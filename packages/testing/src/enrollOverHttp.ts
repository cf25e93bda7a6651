import type { RequestListener, Server } from 'node:http';
import type { Clock } from '@mfakit/core';
import request from 'supertest';
import { hotpCode, totpCode } from './otp';

/** A first factor enrolled through the HTTP contract: what the confirmation answered. */
export interface EnrolledOverHttp {
  factorId: string;
  /** The base32 secret, to compute further codes with. */
  secret: string;
  /** The MFA session the confirmation opened. */
  sessionToken: string;
  /** The ten recovery codes of a first factor. */
  recoveryCodes: string[];
}

/** Where and as whom {@link enrollTotpOverHttp} and {@link enrollHotpOverHttp} enroll. */
export interface EnrollOverHttpOptions {
  /** The user, sent as `X-Test-User` (the stand-in primary authentication of the suites). */
  user: string;
  /** Where the enrollment routes are mounted. @default '/mfa' */
  base?: string;
}

/**
 * Enrolls and confirms a first TOTP factor through `POST <base>/totp` and its confirm route, with
 * the code `clock` shows now; fails (throws) on any other answer.
 *
 * @param handler A request listener or a Node server, as supertest takes them.
 * @example
 * const { sessionToken } = await enrollTotpOverHttp(app, clock, { user: 'alice' });
 */
export function enrollTotpOverHttp(handler: RequestListener | Server, clock: Clock, options: EnrollOverHttpOptions): Promise<EnrolledOverHttp> {
  return enroll(handler, 'totp', (secret) => totpCode(secret, clock), options);
}

/**
 * Enrolls and confirms a first HOTP factor through `POST <base>/hotp` and its confirm route, with
 * the code of counter 0; fails (throws) on any other answer.
 *
 * @example
 * const { secret } = await enrollHotpOverHttp(app, { user: 'alice' }); // the next code is hotpCode(secret, 1)
 */
export function enrollHotpOverHttp(handler: RequestListener | Server, options: EnrollOverHttpOptions): Promise<EnrolledOverHttp> {
  return enroll(handler, 'hotp', (secret) => hotpCode(secret, 0), options);
}

async function enroll(handler: RequestListener | Server, kind: 'totp' | 'hotp', code: (secret: string) => string, { user, base = '/mfa' }: EnrollOverHttpOptions): Promise<EnrolledOverHttp> {
  const started = await request(handler).post(`${base}/${kind}`).set('X-Test-User', user).expect(201);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(handler)
    .post(`${base}/${kind}/${factorId}/confirm`)
    .set('X-Test-User', user)
    .send({ code: code(secret) });
  if (confirmed.status !== 200) throw new Error(`${kind} confirmation of ${user} answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}
