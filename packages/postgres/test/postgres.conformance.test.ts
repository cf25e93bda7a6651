// Threat: a durable store that loses a race (two requests both spend one recovery code, both move
// one WebAuthn counter) or mixes users up. The same conformance suite as the memory store, on
// PGlite and on a real PostgreSQL.
import { MemoryStore } from '@mfakit/core';
import { PostgresFactorStore } from '@mfakit/postgres';
import { describeStoreConformance, FakeClock } from '@mfakit/testing';
import { type DatabaseTarget, pglite, postgres, type TestDatabase, withPostgres } from './helpers';

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

withPostgres(() => describeOn(postgres));
