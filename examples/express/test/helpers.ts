import { FakeClock, totpCode } from '@mfakit/testing';
import type { Express } from 'express';
import request, { type Response } from 'supertest';
import { createApp, type DemoAppOptions } from '../src/app';

/** The HS256 secret the test apps sign with, so tests can forge tokens on purpose. */
export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export const PASSWORDS: Record<string, string> = {
  alice: 'alice-password',
  bob: 'bob-password',
  carol: 'carol-password',
  'svc-reports': 'svc-reports-password',
};

/** A demo app on a FakeClock with a fixed key, and what it logged (a 500 would show up in `errors`). */
export function demo(options: DemoAppOptions = {}) {
  const clock = new FakeClock();
  const warnings: string[] = [];
  const errors: string[] = [];
  const { app, mfa } = createApp({
    clock,
    jwtSecret: TEST_JWT_SECRET,
    encryptionKeys: [{ id: 'test', key: Buffer.alloc(32, 7) }],
    logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    ...options,
  });
  return { app, mfa, clock, warnings, errors };
}

/** Signs in with the demo password and returns the access token. */
export async function login(app: Express, username: string): Promise<string> {
  const res = await request(app).post('/auth/login').send({ username, password: PASSWORDS[username] });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}

/** Everything a signed-in, enrolled user has after confirming an authenticator app. */
export interface Enrolled {
  accessToken: string;
  factorId: string;
  secret: string;
  sessionToken: string;
  recoveryCodes: string[];
}

/** Signs in, starts TOTP enrollment and confirms it with the code an app would show now. */
export async function enrolledUser(app: Express, clock: FakeClock, username: string): Promise<Enrolled> {
  const accessToken = await login(app, username);
  const started = await request(app).post('/mfa/totp').auth(accessToken, { type: 'bearer' });
  if (started.status !== 201) throw new Error(`enroll ${username}: ${started.status} ${JSON.stringify(started.body)}`);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(app).post(`/mfa/totp/${factorId}/confirm`).auth(accessToken, { type: 'bearer' }).send({ code: totpCode(secret, clock) });
  if (confirmed.status !== 200) throw new Error(`confirm ${username}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { accessToken, factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

/** Asserts an RFC 9457 answer with this status and stable code. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual({ type: expect.stringMatching(/^urn:/), title: expect.any(String), status, detail: expect.any(String), code });
}
