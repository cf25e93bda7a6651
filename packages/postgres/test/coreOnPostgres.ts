// The core over a PostgresFactorStore, for the tests of races that only a real database runs for
// real: the factors in the target's schema, short-lived state in memory, a fake clock.
import { createMfa, MemoryStore, type Mfa } from '@mfakit/core';
import { PostgresFactorStore } from '@mfakit/postgres';
import { FakeClock, TEST_RECOVERY_CODE_COST } from '@mfakit/testing';

export { holdCreates } from '@mfakit/testing';
import type { Outcome } from '@mfakit/core';
import type { DatabaseTarget, TestDatabase } from './helpers';

export const ORIGIN = 'http://localhost:3000';
export const WEBAUTHN = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

export interface CoreOnPostgres {
  db: TestDatabase;
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
  return { db, mfa, factors, clock, close: () => state.close() };
}

/** The core over the target's database for the tests of a describe block: opened before them, closed after. */
export function useCoreOn(target: DatabaseTarget): CoreOnPostgres {
  const core = {} as CoreOnPostgres;
  beforeAll(async () => {
    Object.assign(core, await coreOn(await target.open()));
  });
  afterAll(async () => {
    core.close?.();
    await core.db?.close();
  });
  return core;
}

/** The value of a successful outcome; fails the test with the problem's code otherwise. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.problem.code}`);
  return outcome.value;
}
