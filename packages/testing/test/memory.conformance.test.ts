import { MemoryStore } from '@mfakit/core';
import { describeStoreConformance, FakeClock } from '@mfakit/testing';

describeStoreConformance('MemoryStore', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  return { factors: store, state: store, advance: async (ms) => clock.advance(ms), close: async () => store.close() };
});
