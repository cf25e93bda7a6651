/**
 * Threat: a fleet's shared state store that is not atomic or does not expire: two instances both
 * accepting one TOTP step or consuming one challenge, a lockout counter whose window slides
 * forever, a session that outlives its TTL. RedisStateStore must pass the same conformance suite
 * as the MemoryStore, against a real Redis, and keep the core's `{userId}` hash tag in its keys,
 * on ioredis and on node-redis alike.
 */
import { randomUUID } from 'node:crypto';
import { RedisStateStore } from '@mfakit/redis';
import { describeStoreConformance } from '@mfakit/testing';
import type { Redis } from 'ioredis';
import { adminClient, CLIENTS, clearKeys, storesOn, type TestClient } from './clients';
import { REDIS_URL, withRedis } from './redisProbe';

/**
 * Makes `ms` pass for every key under `prefix` without waiting: shortens each remaining TTL by
 * `ms` (PTTL, then PEXPIRE), and deletes a key whose TTL would have run out.
 */
async function elapse(client: Redis, prefix: string, ms: number): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const left = await client.pttl(key);
      if (left < 0) continue; // -2: gone already; -1: no TTL (the store never leaves one)
      if (left <= ms) await client.del(key);
      else await client.pexpire(key, left - ms);
    }
  } while (cursor !== '0');
}

withRedis(() => {
  let admin: Redis; // looks at the keys the store wrote, whatever client the store is on
  const runPrefix = `mfatest:${randomUUID()}:`;

  beforeAll(() => {
    admin = adminClient();
  });
  afterAll(async () => {
    await clearKeys(admin, runPrefix);
    await admin.quit();
  });

  describe.each(CLIENTS)('on $name', (kind) => {
    let redis: TestClient;
    beforeAll(async () => {
      redis = await kind.single(REDIS_URL);
    });
    afterAll(() => redis?.close());

    describeStoreConformance(`RedisStateStore on ${kind.name}`, async () => {
      const stores = storesOn(redis, undefined, runPrefix, (prefix) => clearKeys(admin, prefix));
      return { ...stores, advance: (ms) => elapse(admin, stores.prefix, ms) };
    });

    describe('RedisStateStore keys', () => {
      test('every key is the prefix and the core key, hash tag intact', async () => {
        const prefix = `${runPrefix}keys:${kind.name}:`;
        const store = redis.store(prefix);
        await store.set('session:{alice%40example.com}:abc', 'v', 60_000);
        await store.increment('attempts:{alice%40example.com}', 60_000);
        await store.advance('step:{alice%40example.com}:fac_1', 5, 60_000);
        await store.set('lock:{alice%40example.com}', '1', 60_000);
        expect(await store.incrementUnless('streak:{alice%40example.com}', 60_000, ['lock:{alice%40example.com}'])).toBeNull(); // the blocker is read under the prefix too
        const keys = (await admin.keys(`${prefix}*`)).sort();
        expect(keys).toEqual([
          `${prefix}attempts:{alice%40example.com}`,
          `${prefix}lock:{alice%40example.com}`,
          `${prefix}session:{alice%40example.com}:abc`,
          `${prefix}step:{alice%40example.com}:fac_1`,
        ]);
        for (const key of keys) expect(await admin.pttl(key)).toBeGreaterThan(0);
      });

      test("the default prefix is 'mfa:'", () => {
        expect(new RedisStateStore(redis.client).prefix).toBe('mfa:');
      });

      test('a prefix with a brace is refused: it would replace the Cluster hash tag', () => {
        expect(() => new RedisStateStore(redis.client, { prefix: 'app:{mfa}:' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
      });

      test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '500'])('a commandTimeout of %p is refused', (commandTimeout) => {
        expect(() => new RedisStateStore(redis.client, { commandTimeout: commandTimeout as number })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
      });

      test('the Lua scripts still run after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
        const store = redis.store(`${runPrefix}flush:${kind.name}:`);
        await admin.script('FLUSH');
        expect(await store.increment('n:{u}', 60_000)).toBe(1);
        await admin.script('FLUSH');
        expect(await store.advance('s:{u}', 3, 60_000)).toBe(true);
      });
    });
  });

  test('a client of neither library is refused', () => {
    for (const client of [null, {}, { get: () => null }]) {
      expect(() => new RedisStateStore(client as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
  });
});
