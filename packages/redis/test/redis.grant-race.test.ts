/**
 * Threat: one step-up grant is sent many times at once to several instances of a fleet, so that
 * one proof performs the action more than once. RedisStateStore spends it with one GETDEL, on
 * ioredis and on node-redis.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@mfakit/core';
import { describeGrantRace } from '@mfakit/testing';
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

    describeGrantRace(`RedisStateStore on ${kind.name}`, (clock) => {
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
