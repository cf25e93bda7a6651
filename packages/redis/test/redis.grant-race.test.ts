/**
 * Threat: one step-up grant is sent many times at once to several instances of a fleet, so that
 * one proof performs the action more than once. RedisStateStore spends it with one GETDEL.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@mfakit/core';
import { RedisStateStore } from '@mfakit/redis';
import { describeGrantRace } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { REDIS_URL, withRedis } from './redisProbe';

withRedis(() => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  });
  afterAll(() => client.quit());

  describeGrantRace('RedisStateStore', (clock) => {
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
