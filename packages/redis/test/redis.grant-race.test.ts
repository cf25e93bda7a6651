/**
 * Threat: one step-up grant is sent many times at once to several instances of a fleet, so that
 * one proof performs the action more than once. RedisStateStore spends it with one GETDEL, on
 * ioredis and on node-redis.
 */
import { describeGrantRace } from '@mfakit/testing';
import type { Redis } from 'ioredis';
import { adminClient, CLIENTS, clearKeys, storesOn, type TestClient } from './clients';
import { REDIS_URL, withRedis } from './redisProbe';

withRedis(() => {
  let admin: Redis;
  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(() => admin.quit());

  describe.each(CLIENTS)('on $name', (kind) => {
    let redis: TestClient;
    beforeAll(async () => {
      redis = await kind.single(REDIS_URL);
    });
    afterAll(() => redis?.close());

    describeGrantRace(`RedisStateStore on ${kind.name}`, (clock) => storesOn(redis, clock, 'mfatest:', (prefix) => clearKeys(admin, prefix)));
  });
});
