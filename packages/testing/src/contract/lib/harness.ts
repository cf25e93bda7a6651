import { createServer, type Server } from 'node:http';
import { MemoryStore, type MfaEvent } from '@mfakit/core';
import type { FactorStore } from '@mfakit/core/store';
import request, { type Test } from 'supertest';
import { FakeClock } from '../../fakeClock';
import { totpCode } from '../../otp';
import type { DemoFactory, DemoOptions } from '../types';

/** The HS256 secret the suite's demos sign with, so tests can forge tokens on purpose. */
export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

/** A fixed 32-byte key: the suite needs no key material from the environment. */
export const TEST_ENCRYPTION_KEYS = [{ id: 'test', key: Buffer.alloc(32, 7) }];

/**
 * The recovery-code hashing cost of the suites (`recoveryCodeCost`): scrypt with N = 2^4 instead
 * of 2^13, since every enrollment hashes ten codes. Unsafe anywhere but in tests; the core's own
 * recovery-code tests keep the real cost.
 */
export const TEST_RECOVERY_CODE_COST = 4;

/** The demos' accounts (examples/shared/src/users.ts): three people, an administrator and one exempt service user. */
export const PASSWORDS: Readonly<Record<string, string>> = {
  alice: 'alice-password',
  bob: 'bob-password',
  carol: 'carol-password',
  admin: 'admin-password',
  'svc-reports': 'svc-reports-password',
};

/** The roles the demos give their accounts: what `GET /api/me` answers. */
export const ROLES: Readonly<Record<string, string[]>> = {
  alice: ['staff'],
  bob: ['staff'],
  carol: ['staff'],
  admin: ['staff', 'admin'],
  'svc-reports': ['service'],
};

/** The RFC 9470 challenge of a 401 that asks for (fresher) MFA. */
export const CHALLENGE = /^Bearer error="insufficient_user_authentication", error_description="[^"]+"/;

/** A demo running for the suite: supertest against it, its FakeClock, and what it logged and emitted. */
export interface RunningDemo {
  http: ReturnType<typeof request>;
  /** The demo's FactorStore, for what HTTP does not show (a stored factor). */
  factors: FactorStore;
  clock: FakeClock;
  /** The demo's one-line notes: notices and codes sent (never the code itself). */
  infos: string[];
  warnings: string[];
  /** A 500 shows up here; every area expects it empty. */
  errors: string[];
  events: MfaEvent[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Builds a demo on a new FakeClock and a MemoryStore with the test secret and key, captures its logs and events,
 * and serves it on 127.0.0.1 (unless the factory's server already listens).
 */
export async function startDemo(makeDemo: DemoFactory, options: Omit<DemoOptions, 'clock' | 'logger' | 'onEvent'> = {}): Promise<RunningDemo> {
  const clock = new FakeClock();
  const infos: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const events: MfaEvent[] = [];
  const store = new MemoryStore({ clock });
  const demo = await makeDemo({
    clock,
    stores: { factors: store, state: store },
    jwtSecret: TEST_JWT_SECRET,
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    logger: { info: (m) => infos.push(m), warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    onEvent: (event) => events.push(event),
    ...options,
  });
  const server = typeof demo.handler === 'function' ? createServer(demo.handler) : demo.handler;
  const owned = !server.listening;
  if (owned) await listen(server);
  const close = async () => {
    if (owned) await stop(server);
    await demo.close?.();
  };
  return { http: request(server), factors: store, clock, infos, warnings, errors, events, close };
}

/**
 * One demo for the enclosing describe: started before its first test, closed after its last,
 * with no error logged in between. Its fields are there once the tests run.
 */
export function useDemo(makeDemo: DemoFactory, options: Parameters<typeof startDemo>[1] = {}): RunningDemo {
  const demo = {} as RunningDemo;
  beforeAll(async () => {
    Object.assign(demo, await startDemo(makeDemo, options));
  });
  afterAll(async () => {
    if (!demo.close) return; // it never started: beforeAll has failed the tests already
    await demo.close();
    expect(demo.errors).toEqual([]);
  });
  return demo;
}

/** A demo for one test: started, used, closed, and checked for logged errors. */
export async function withDemo(makeDemo: DemoFactory, options: Parameters<typeof startDemo>[1], use: (demo: RunningDemo) => Promise<void>): Promise<void> {
  const demo = await startDemo(makeDemo, options);
  try {
    await use(demo);
  } finally {
    await demo.close();
  }
  expect(demo.errors).toEqual([]);
}

/** Sends the access token as `Authorization: Bearer`. */
export const bearer = (test: Test, accessToken: string): Test => test.auth(accessToken, { type: 'bearer' });

/** Signs in with the demo password and returns the access token. */
export async function login(demo: RunningDemo, username: string): Promise<string> {
  const res = await demo.http.post('/auth/login').send({ username, password: PASSWORDS[username] });
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
export async function enrolledUser(demo: RunningDemo, username: string): Promise<Enrolled> {
  const accessToken = await login(demo, username);
  const started = await bearer(demo.http.post('/mfa/totp'), accessToken);
  if (started.status !== 201) throw new Error(`enroll ${username}: ${started.status} ${JSON.stringify(started.body)}`);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await bearer(demo.http.post(`/mfa/totp/${factorId}/confirm`), accessToken).send({ code: totpCode(secret, demo.clock) });
  if (confirmed.status !== 200) throw new Error(`confirm ${username}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { accessToken, factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

export { expectProblem } from '../../assertions';
