// The core over a PostgresFactorStore, for the tests of races that only a real database runs for
// real: the factors in the target's schema, short-lived state in memory, a fake clock.
import { createMfa, MemoryStore, type Mfa } from '@mfakit/core';
import type { FactorStore } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { FakeClock, TEST_RECOVERY_CODE_COST } from '@mfakit/testing';
import type { TestDatabase } from './helpers';

export const ORIGIN = 'http://localhost:3000';
export const WEBAUTHN = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

export interface CoreOnPostgres {
  mfa: Mfa;
  factors: PostgresFactorStore;
  clock: FakeClock;
  close(): void;
}

/** An mfa whose factors live in `db` (migrated here), with WebAuthn for `ORIGIN`. */
export async function coreOn(db: TestDatabase): Promise<CoreOnPostgres> {
  const clock = new FakeClock();
  const state = new MemoryStore({ clock });
  const factors = new PostgresFactorStore(db.client, { schema: db.schema });
  await factors.migrate();
  const mfa = createMfa({
    issuer: 'Acme',
    clock,
    stores: { factors, state },
    encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 1) }],
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    webauthn: WEBAUTHN,
  });
  return { mfa, factors, clock, close: () => state.close() };
}

/**
 * Holds the next `parties` writes of a new factor (`createFactor`, or a store's
 * `createFactorWithRecoveryCodes`) until all of them have come, then lets them run at once
 * (against the real database); later calls are not held. Racing requests have then all read
 * (their factors, their freshness) before any of them writes: the race the store must settle
 * happens every time, whatever the scheduling of the pool's connections.
 */
export function holdCreates(store: FactorStore, parties: number): void {
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const names = ['createFactor', 'createFactorWithRecoveryCodes'].filter((name) => typeof methods[name] === 'function');
  const originals = new Map(names.map((name) => [name, methods[name]!.bind(store)]));
  const waiting: (() => void)[] = [];
  for (const [name, original] of originals) {
    methods[name] = async (...args: unknown[]) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length < parties) return;
        for (const held of names) delete methods[held]; // the prototype's again, for what the released calls do inside
        for (const go of waiting) go();
      });
      return original(...args);
    };
  }
}
