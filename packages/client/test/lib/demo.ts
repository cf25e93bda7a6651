import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMfaFetch, type MfaFetch, type MfaFetchOptions } from '@mfakit/client';
import { MemoryStore } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { FakeClock, SoftAuthenticator, TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import { createApp } from '../../../../examples/express/src/app';

/** The origin the demo's passkeys are made for (its relying party is `localhost`). */
export const PASSKEY_ORIGIN = 'http://localhost:3000';

const PASSWORDS: Readonly<Record<string, string>> = { alice: 'alice-password', bob: 'bob-password', carol: 'carol-password', admin: 'admin-password' };

/** A user signed in to the demo, with a TOTP factor enrolled. */
export interface Enrolled {
  accessToken: string;
  /** The base32 secret of the TOTP factor. */
  secret: string;
  factorId: string;
  /** The session the enrollment opened (the client under test does not hold it). */
  sessionToken: string;
  recoveryCodes: string[];
}

/** The Express demo, listening on 127.0.0.1, with its clock and what it logged as errors. */
export interface RunningDemo {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  clock: FakeClock;
  /** What the demo logged as errors: every test file expects none. */
  errors: string[];
  /** Serves the same app on a second port: a second origin, for requests that must go out untouched. */
  alsoListen(): Promise<string>;
  /** `POST /auth/login`: the access token. */
  login(username: string): Promise<string>;
  /** Signs in and enrolls a TOTP factor through `/mfa/totp`. */
  enrollTotp(username: string): Promise<Enrolled>;
  /** Registers a passkey of `key`, by default a new SoftAuthenticator (with a fresh proof: the user has a factor already). */
  registerPasskey(user: Enrolled, key?: SoftAuthenticator): Promise<SoftAuthenticator>;
  /** The code the user's authenticator app shows after the clock moved to the next 30-second step. */
  nextCode(user: Enrolled): string;
  /** The client under test for `user`: the demo's `/mfa` as its base, the user's access token on the calls it makes there. */
  clientOf(user: Enrolled, prompt: MfaFetchOptions['prompt'], extra?: Partial<MfaFetchOptions>): MfaFetch;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What an API request of `user` sends: the access token, and JSON. */
export const headersOf = (user: Enrolled) => ({ Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/json' });

async function expectJson(res: Response, status: number, what: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Starts the Express demo of examples/express in this process, on a FakeClock and a MemoryStore
 * (`state` may wrap it, e.g. in a FlakyStateStore), with the test keys and without the per-IP
 * limit of `/mfa` (the suites verify often).
 */
export async function startDemo(options: { state?: (memory: MemoryStore) => StateStore } = {}): Promise<RunningDemo> {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const errors: string[] = [];
  const { app } = createApp({
    clock,
    stores: { factors: store, state: options.state?.(store) ?? store },
    encryptionKeys: TEST_ENCRYPTION_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    rateLimit: false,
    logger: { info: () => {}, warn: () => {}, error: (message) => errors.push(message) },
    webauthn: { origins: [PASSKEY_ORIGIN] },
  });
  const servers = [createServer(app)];
  const origin = await listen(servers[0]!);

  const bearer = (accessToken: string, sessionToken?: string) => ({
    Authorization: `Bearer ${accessToken}`,
    'Content-Type': 'application/json',
    ...(sessionToken ? { 'X-Session-Token': sessionToken } : {}),
  });
  const post = (path: string, headers: Record<string, string>, body: unknown = {}) => fetch(origin + path, { method: 'POST', headers, body: JSON.stringify(body) });

  const demo: RunningDemo = {
    origin,
    clock,
    errors,
    async alsoListen() {
      const server = createServer(app);
      servers.push(server);
      return listen(server);
    },
    async login(username) {
      const res = await post('/auth/login', { 'Content-Type': 'application/json' }, { username, password: PASSWORDS[username] });
      return (await expectJson(res, 200, `login ${username}`)).accessToken as string;
    },
    async enrollTotp(username) {
      const accessToken = await demo.login(username);
      const started = await expectJson(await post('/mfa/totp', bearer(accessToken)), 201, `enroll ${username}`);
      const { factorId, secret } = started as { factorId: string; secret: string };
      const confirmed = await expectJson(await post(`/mfa/totp/${factorId}/confirm`, bearer(accessToken), { code: totpCode(secret, clock) }), 200, `confirm ${username}`);
      const { session, recoveryCodes } = confirmed as { session: { sessionToken: string }; recoveryCodes: string[] };
      return { accessToken, secret, factorId, sessionToken: session.sessionToken, recoveryCodes };
    },
    async registerPasskey(user, key = new SoftAuthenticator({ origin: PASSKEY_ORIGIN })) {
      const headers = bearer(user.accessToken, user.sessionToken);
      const options = await expectJson(await post('/mfa/webauthn/registration/options', headers), 200, 'passkey options');
      await expectJson(await post('/mfa/webauthn/registration', headers, { response: key.register(options as never), label: 'Test key' }), 201, 'passkey registration');
      return key;
    },
    nextCode(user) {
      clock.advanceSeconds(30);
      return totpCode(user.secret, clock);
    },
    clientOf(user, prompt, extra = {}) {
      return createMfaFetch({ base: `${origin}/mfa`, headers: { Authorization: `Bearer ${user.accessToken}` }, prompt, ...extra });
    },
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
  return demo;
}

/**
 * The demo of a test file: started before its tests, closed after them, with no error logged in
 * between. Its fields are there once the tests run.
 */
export function useDemo(): RunningDemo {
  const demo = {} as RunningDemo;
  beforeAll(async () => {
    Object.assign(demo, await startDemo());
  });
  afterAll(async () => {
    if (!demo.close) return; // it never started: beforeAll has failed the tests already
    await demo.close();
    expect(demo.errors).toEqual([]);
  });
  return demo;
}

/** A user of the demo, signed in and enrolled (`enrollTotp`) before the file's tests, in the order asked. */
export function useEnrolled(demo: RunningDemo, username: string): Enrolled {
  const user = {} as Enrolled;
  beforeAll(async () => {
    Object.assign(user, await demo.enrollTotp(username));
  });
  return user;
}

/** A passkey of `user`, registered before the file's tests (after the user's enrollment). */
export function usePasskey(demo: RunningDemo, user: Enrolled): SoftAuthenticator {
  const key = new SoftAuthenticator({ origin: PASSKEY_ORIGIN });
  beforeAll(async () => {
    await demo.registerPasskey(user, key);
  });
  return key;
}
