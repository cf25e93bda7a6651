/**
 * Threat: the lock is outrun across the instances of a fleet. Checking the lock and counting the
 * attempt were two round trips to Redis, so a request on another instance that saw "unlocked" just
 * before the lock was set was checked while the account was locked (seen on a two-instance fleet:
 * a correct code accepted during an active lock). RedisStateStore does both in one Lua script, on
 * ioredis and on node-redis.
 */
import { describeLockRace } from '@mfakit/testing';
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

    describeLockRace(`RedisStateStore on ${kind.name}`, (clock) => storesOn(redis, clock, 'mfatest:', (prefix) => clearKeys(admin, prefix)));
  });
});
