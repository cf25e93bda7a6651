// Threat: the lock is outrun across instances. Checking the lock and counting the attempt were two
// round trips, so a request on another instance that saw "unlocked" just before the lock was set
// was checked while the account was locked: a code accepted during an active lock.
// The same suite runs on Redis in packages/redis/test/redis.lock-race.test.ts.
import { MemoryStore } from '@mfakit/core';
import { describeLockRace } from '@mfakit/testing';

describeLockRace('MemoryStore', (clock) => {
  const store = new MemoryStore({ clock });
  return { factors: store, state: store, close: () => store.close() };
});
