/**
 * Threat: the lock is outrun across the instances of a fleet. Checking the lock and counting the
 * attempt were two round trips to Redis, so a request on another instance that saw "unlocked" just
 * before the lock was set was checked while the account was locked (seen on a two-instance fleet:
 * a correct code accepted during an active lock). RedisStateStore does both in one Lua script, on
 * ioredis and on node-redis.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@mfakit/core';
import { describeLockRace } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { CLIENTS, type TestClient } from './clients';
import { REDIS_URL, withRedis } from './redisProbe';

withRedis(() => {
  let admin: Redis; // deletes the keys the store wrote, whatever client the store is on
  beforeAll(() => {
    admin = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  });
  afterAll(() => admin.quit());

  describe.each(CLIENTS)('on $name', (kind) => {
    let redis: TestClient;
    beforeAll(async () => {
      redis = await kind.single(REDIS_URL);
    });
    afterAll(() => redis?.close());

    describeLockRace(`RedisStateStore on ${kind.name}`, (clock) => {
      const prefix = `mfatest:${randomUUID()}:`;
      const factors = new MemoryStore({ clock });
      return {
        factors,
        state: redis.store(prefix),
        close: async () => {
          factors.close();
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(...keys);
        },
      };
    });
  });
});
