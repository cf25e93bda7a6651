import { createMfa, type Mfa, type MfaEvent } from '@mfakit/core';
import type { FactorStore, StateStore } from '@mfakit/core/store';
import { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from './contract/lib/harness';
import { FakeClock } from './fakeClock';
import { totpCode, wrongCode } from './otp';

/** What {@link describeLockRace} runs on: the stores two instances share, made anew for each test. */
export interface SharedStores {
  factors: FactorStore;
  state: StateStore;
  /** Called after each test. */
  close?: () => Promise<void> | void;
}

/**
 * A StateStore whose first answer is held back until `release()`: one request paused between two
 * of its steps, while another instance goes on.
 */
function pausedAfterFirstCall(store: StateStore): { state: StateStore; release: () => void; reached: Promise<void> } {
  let release = () => {};
  let reach = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let first = true;
  const state = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        if (first) {
          first = false;
          reach();
          await gate;
        }
        return result;
      };
    },
  });
  return { state, release, reached };
}

/**
 * The account lock under concurrency, on two instances of a fleet sharing `makeStores()`: no
 * code is accepted while a lock set by another instance is in force (the lock is checked and the
 * attempt counted in one atomic step), and of many concurrent guesses at most `maxFailures` are
 * ever checked.
 *
 * @param name - The stores' name, for the test titles.
 * @param makeStores - Fresh shared stores for one test.
 * @example
 * describeLockRace('MemoryStore', () => { const store = new MemoryStore(); return { factors: store, state: store }; });
 */
export function describeLockRace(name: string, makeStores: (clock: FakeClock) => SharedStores | Promise<SharedStores>): void {
  describe(`the account lock across instances: ${name}`, () => {
    let stores: SharedStores | undefined;
    afterEach(async () => {
      await stores?.close?.();
      stores = undefined;
    });

    async function fleet() {
      const clock = new FakeClock();
      stores = await makeStores(clock);
      const events: MfaEvent[] = [];
      const instance = (state: StateStore): Mfa =>
        createMfa({
          issuer: 'Acme',
          clock,
          stores: { factors: stores!.factors, state },
          encryptionKeys: TEST_ENCRYPTION_KEYS,
          recoveryCodeCost: TEST_RECOVERY_CODE_COST,
          onEvent: (e) => events.push(e),
        });
      const a = instance(stores.state);
      const user = { id: 'alice' };
      const started = await a.startEnrollment({ user }, 'totp');
      if (!started.ok) throw new Error(started.problem.code);
      const secret = started.value.secret;
      const confirmed = await a.confirmEnrollment({ user }, 'totp', started.value.factorId, totpCode(secret, clock));
      if (!confirmed.ok) throw new Error(confirmed.problem.code);
      clock.advance(30_000);
      events.length = 0;
      return { clock, events, instance, a, user, secret };
    }

    test('no code is accepted while a lock set by another instance is in force', async () => {
      const { clock, events, instance, a, user, secret } = await fleet();
      for (let i = 0; i < 2; i += 1) await a.verify({ user }, { code: wrongCode(secret, clock) });
      // Instance B verifies the right code and is paused after its first step with the state store ...
      const paused = pausedAfterFirstCall(stores!.state);
      const right = instance(paused.state).verify({ user }, { code: totpCode(secret, clock) });
      await paused.reached;
      // ... while instance A takes the third guess.
      await a.verify({ user }, { code: wrongCode(secret, clock) });
      paused.release();
      await right;

      const locked = events.find((e) => e.type === 'account.locked');
      const acceptedWhileLocked = locked !== undefined && events.slice(events.indexOf(locked)).some((e) => e.type === 'verification.succeeded' && e.at < (locked as { until: number }).until);
      expect(acceptedWhileLocked).toBe(false);
      // The third guess was counted after B's attempt, so it was refused without being checked.
      expect(events.filter((e) => e.type === 'verification.failed').map((e) => 'reason' in e && e.reason)).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);
    });

    test('many concurrent guesses on two instances: at most maxFailures (3) are ever checked', async () => {
      const { clock, instance, a, user, secret } = await fleet();
      const b = instance(stores!.state);
      const guesses = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).verify({ user }, { code: wrongCode(secret, clock) }));
      const codes = (await Promise.all(guesses)).map((o) => (o.ok ? 'ok' : o.problem.code));
      expect(codes.filter((c) => c === 'mfa_invalid_code').length).toBeLessThanOrEqual(2);
      expect(codes.filter((c) => c === 'mfa_locked').length).toBeGreaterThanOrEqual(38);
    });
  });
}
