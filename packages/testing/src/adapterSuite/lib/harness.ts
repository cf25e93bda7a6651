import type { RequestListener, Server } from 'node:http';
import { createMfa, MemoryStore, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from '../../contract/lib/harness';
import { enrollHotpOverHttp, enrollTotpOverHttp, type EnrolledOverHttp } from '../../enrollOverHttp';
import { FakeClock } from '../../fakeClock';
import { FlakyStateStore } from '../../flakyStateStore';
import { totpCode } from '../../otp';
import type { AdapterApp, AdapterAppFactory, AdapterAppOptions } from '../types';

/** One app of the suite, running: what a test sends requests to, and what it looks at behind HTTP. */
export interface Harness {
  /** What answers HTTP, for supertest. */
  app: RequestListener | Server;
  mfa: Mfa;
  clock: FakeClock;
  /** The core's factor store, to look at what HTTP does not show, or to make it fail. */
  factors: MemoryStore;
  /** The core's state store: it works until a test tells it to fail. */
  state: FlakyStateStore;
  logs: { warn: string[]; error: string[] };
  events: MfaEvent[];
}

/** What a test sets on its app. */
export interface Setup {
  /** createMfa options over the suite's (issuer 'Acme', fake clock, test key, stores, captured logs and events). */
  mfa?: Partial<MfaOptions>;
  /** The app's options; see {@link AdapterAppOptions}. */
  app?: AdapterAppOptions;
}

/** Starts a new app per call; each is closed after its test. */
export type Start = (setup?: Setup) => Promise<Harness>;

/**
 * For the enclosing describe: a `start` that builds an app through `makeApp` around a new core,
 * on a new FakeClock with its own stores, and closes every app after its test.
 */
export function useApps(makeApp: AdapterAppFactory): Start {
  const started: AdapterApp[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.close?.()));
  });
  return async (setup = {}) => {
    const clock = new FakeClock();
    const factors = new MemoryStore({ clock });
    const state = new FlakyStateStore(new MemoryStore({ clock }));
    const logs = { warn: [] as string[], error: [] as string[] };
    const events: MfaEvent[] = [];
    const mfa = createMfa({
      issuer: 'Acme',
      encryptionKeys: TEST_ENCRYPTION_KEYS,
      recoveryCodeCost: TEST_RECOVERY_CODE_COST,
      clock,
      stores: { factors, state },
      logger: { warn: (m) => logs.warn.push(m), error: (m) => logs.error.push(m) },
      onEvent: (event) => events.push(event),
      ...setup.mfa,
    });
    const app = await makeApp(mfa, setup.app ?? {});
    started.push(app);
    return { app: app.handler, mfa, clock, factors, state, logs, events };
  };
}

/** Enrolls and confirms a first TOTP factor through the router; fails the test on any surprise. */
export function enrollTotp(h: Harness, user: string): Promise<EnrolledOverHttp> {
  return enrollTotpOverHttp(h.app, h.clock, { user });
}

/** Enrolls and confirms a first HOTP factor (counter 0) through the router. */
export function enrollHotp(h: Harness, user: string): Promise<EnrolledOverHttp> {
  return enrollHotpOverHttp(h.app, { user });
}

/**
 * The next code an authenticator app shows: moves the clock one TOTP step on first, because a
 * code of a step already used is refused (replay protection).
 */
export function nextTotp(h: Harness, secret: string): string {
  h.clock.advanceSeconds(30);
  return totpCode(secret, h.clock);
}

/**
 * What GET /mfa answers for `alice`, required and not exempt, with one or more factors: the
 * fields that vary given.
 */
export function enrolledStatus(fields: { factors: object[]; session: object | null }): object {
  return { userId: 'alice', required: true, exempt: false, exemption: null, enrollBy: null, enrolled: true, recoveryCodesRemaining: 10, ...fields };
}

/** Asserts that no log line holds any of the given secrets. */
export function expectNoSecrets(h: Harness, secrets: string[]): void {
  for (const line of [...h.logs.error, ...h.logs.warn]) for (const secret of secrets) expect(line).not.toContain(secret);
}

export { expectChallenge, expectProblem } from '../../assertions';
