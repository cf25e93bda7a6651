// Threat: one step-up grant is sent many times at once, to several instances of a fleet, so that one proof performs the action more than once.
// The same suite runs on Redis in packages/redis/test/redis.grant-race.test.ts.
import { MemoryStore } from '@mfakit/core';
import { describeGrantRace } from '@mfakit/testing';

describeGrantRace('MemoryStore', (clock) => {
  const store = new MemoryStore({ clock });
  return { factors: store, state: store, close: () => store.close() };
});
