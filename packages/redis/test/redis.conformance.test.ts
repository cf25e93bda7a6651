/**
 * Threat: a fleet's shared state store that is not atomic or does not expire: two instances both
 * accepting one TOTP step or consuming one challenge, a lockout counter whose window slides
 * forever, a session that outlives its TTL. RedisStateStore must pass the same conformance suite
 * as the MemoryStore, against a real Redis, and keep the core's `{userId}` hash tag in its keys.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@mfakit/core';
import { RedisStateStore } from '@mfakit/redis';
import { describeStoreConformance } from '@mfakit/testing';
import { Redis } from 'ioredis';
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

/** Deletes every key under `prefix`. */
async function clear(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

withRedis(() => {
  let client: Redis;
  const runPrefix = `mfatest:${randomUUID()}:`;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await clear(client, runPrefix);
    await client.quit();
  });

  describeStoreConformance('RedisStateStore', async () => {
    const prefix = `${runPrefix}${randomUUID()}:`;
    const factors = new MemoryStore();
    return {
      factors,
      state: new RedisStateStore(client, { prefix }),
      advance: (ms) => elapse(client, prefix, ms),
      close: async () => {
        factors.close();
        await clear(client, prefix);
      },
    };
  });

  describe('RedisStateStore keys', () => {
    test('every key is the prefix and the core key, hash tag intact', async () => {
      const store = new RedisStateStore(client, { prefix: `${runPrefix}keys:` });
      await store.set('session:{alice%40example.com}:abc', 'v', 60_000);
      await store.increment('attempts:{alice%40example.com}', 60_000);
      await store.advance('step:{alice%40example.com}:fac_1', 5, 60_000);
      await store.set('lock:{alice%40example.com}', '1', 60_000);
      expect(await store.incrementUnless('streak:{alice%40example.com}', 60_000, ['lock:{alice%40example.com}'])).toBeNull(); // the blocker is read under the prefix too
      const keys = (await client.keys(`${runPrefix}keys:*`)).sort();
      expect(keys).toEqual([
        `${runPrefix}keys:attempts:{alice%40example.com}`,
        `${runPrefix}keys:lock:{alice%40example.com}`,
        `${runPrefix}keys:session:{alice%40example.com}:abc`,
        `${runPrefix}keys:step:{alice%40example.com}:fac_1`,
      ]);
      for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
    });

    test("the default prefix is 'mfa:'", () => {
      expect(new RedisStateStore(client).prefix).toBe('mfa:');
    });

    test('a prefix with a brace is refused: it would replace the Cluster hash tag', () => {
      expect(() => new RedisStateStore(client, { prefix: 'app:{mfa}:' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    });

    test('the Lua scripts still run after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
      const store = new RedisStateStore(client, { prefix: `${runPrefix}flush:` });
      await client.script('FLUSH');
      expect(await store.increment('n:{u}', 60_000)).toBe(1);
      await client.script('FLUSH');
      expect(await store.advance('s:{u}', 3, 60_000)).toBe(true);
    });
  });
});
