/**
 * Threat: the lock is outrun across the instances of a fleet. Checking the lock and counting the
 * attempt were two round trips to Redis, so a request on another instance that saw "unlocked" just
 * before the lock was set was checked while the account was locked (seen on a two-instance fleet:
 * a correct code accepted during an active lock). RedisStateStore does both in one Lua script.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@mfakit/core';
import { RedisStateStore } from '@mfakit/redis';
import { describeLockRace } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { REDIS_URL, withRedis } from './redisProbe';

withRedis(() => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  });
  afterAll(() => client.quit());

  describeLockRace('RedisStateStore', (clock) => {
    const prefix = `mfatest:${randomUUID()}:`;
    const factors = new MemoryStore({ clock });
    return {
      factors,
      state: new RedisStateStore(client, { prefix }),
      close: async () => {
        factors.close();
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
      },
    };
  });
});
