// Threat: a durable store that loses a race (two requests both spend one recovery code, both move
// one WebAuthn counter) or mixes users up. The same conformance suite as the memory store, on
// PGlite and on a real PostgreSQL.
import { MemoryStore } from '@mfakit/core';
import { PostgresFactorStore } from '@mfakit/postgres';
import { describeStoreConformance, FakeClock } from '@mfakit/testing';
import { DATABASE_URL, type DatabaseTarget, pglite, postgres, postgresReachable, type TestDatabase } from './helpers';

function describeOn(target: DatabaseTarget): void {
  describe(target.name, () => {
    let db: TestDatabase;
    let store: PostgresFactorStore;

    beforeAll(async () => {
      db = await target.open();
      // a small page size, so allFactors crosses page boundaries
      store = new PostgresFactorStore(db.client, { schema: db.schema, pageSize: 2 });
      await store.migrate();
    });
    afterAll(async () => {
      await db?.close();
    });

    describeStoreConformance(`PostgresFactorStore on ${target.name}`, async () => {
      const clock = new FakeClock();
      const state = new MemoryStore({ clock });
      return { factors: store, state, advance: async (ms) => clock.advance(ms), close: async () => state.close() };
    });
  });
}

describeOn(pglite);

if (postgresReachable) {
  describeOn(postgres);
} else if (process.env.CI) {
  test('PostgreSQL answers at DATABASE_URL (required when CI is set)', () => {
    throw new Error(`PostgreSQL is unreachable at ${DATABASE_URL}; CI needs it. Start it or set DATABASE_URL.`);
  });
} else {
  test('PostgreSQL conformance: no server, run on PGlite only', () => {
    console.warn(`@mfakit/postgres: no PostgreSQL at DATABASE_URL=${DATABASE_URL}; its conformance run was left out (PGlite ran). Start PostgreSQL or set DATABASE_URL to include it.`);
  });
}
