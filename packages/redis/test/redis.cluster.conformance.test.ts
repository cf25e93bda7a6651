/**
 * Threat: a store that works on one Redis but not on a Redis Cluster. A multi-key step (a session
 * read with the user's revocation mark, the throttle's "count unless locked") whose keys fall into
 * two hash slots is refused with CROSSSLOT, so every check would answer 503; a store that split
 * such a step into one command per shard would lose its atomicity, and two instances could both
 * win a race. RedisStateStore on an ioredis `Cluster` and on a node-redis `createCluster` must
 * pass the store conformance suite and the fleet races on a real cluster, and every multi-key step
 * of the core must name one slot.
 */
import { randomUUID } from 'node:crypto';
import { createMfa, MemoryStore } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { decide, describeGrantRace, describeLockRace, describeStoreConformance, FakeClock, TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST, totpCode, wrongCode } from '@mfakit/testing';
import type { Cluster, Redis } from 'ioredis';
import { CLIENTS, storesOn, type TestClient } from './clients';
import { LocalRedisCluster, withClusterBinaries } from './cluster';

/** Runs `each` on every key under `prefix`, primary by primary (SCAN sees one node's keys only). */
async function forEachKey(client: Cluster, prefix: string, each: (node: Redis, key: string) => Promise<unknown>): Promise<void> {
  for (const node of client.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
      cursor = next;
      for (const key of keys) await each(node, key);
    } while (cursor !== '0');
  }
}

/** Makes `ms` pass for every key under `prefix` without waiting: each TTL shortened by `ms`, a key whose TTL would have run out deleted. */
function elapse(client: Cluster, prefix: string, ms: number): Promise<void> {
  return forEachKey(client, prefix, async (node, key) => {
    const left = await node.pttl(key);
    if (left < 0) return; // -2: gone already; -1: no TTL (the store never leaves one)
    await (left <= ms ? node.del(key) : node.pexpire(key, left - ms));
  });
}

/** Deletes every key under `prefix` (one DEL per key: a DEL of several keys must stay in one slot too). */
function clear(client: Cluster, prefix: string): Promise<void> {
  return forEachKey(client, prefix, (node, key) => node.del(key));
}

/** The multi-key calls a store receives (the keys of each `getMany`, and the counter with the blockers of each `incrementUnless`). */
function recordingMultiKeyCalls(store: StateStore): { state: StateStore; calls: string[][] } {
  const calls: string[][] = [];
  const state: StateStore = {
    get: (key) => store.get(key),
    getMany: (keys) => {
      calls.push(keys);
      return store.getMany(keys);
    },
    set: (key, value, ttlMs) => store.set(key, value, ttlMs),
    setIfAbsent: (key, value, ttlMs) => store.setIfAbsent(key, value, ttlMs),
    consume: (key) => store.consume(key),
    delete: (key) => store.delete(key),
    increment: (key, ttlMs) => store.increment(key, ttlMs),
    incrementUnless: (key, ttlMs, unless) => {
      calls.push([key, ...unless]);
      return store.incrementUnless(key, ttlMs, unless);
    },
    advance: (key, value, ttlMs) => store.advance(key, value, ttlMs),
  };
  return { state, calls };
}

withClusterBinaries(() => {
  let local: LocalRedisCluster;
  let admin: Cluster; // looks at the keys the store wrote, node by node, whatever client the store is on
  const runPrefix = `mfatest:${randomUUID()}:`;

  beforeAll(async () => {
    local = await LocalRedisCluster.start();
    admin = local.client({ redisOptions: { commandTimeout: 2000 } });
  }, 60_000);
  afterAll(async () => {
    await admin?.quit();
    await local?.stop();
  });

  /** The slot of a key, as the cluster computes it. */
  const slotOf = async (key: string) => Number(await admin.cluster('KEYSLOT', key));

  describe.each(CLIENTS)('on $name', (kind) => {
    let redis: TestClient;
    beforeAll(async () => {
      redis = await kind.cluster(local);
    });
    afterAll(() => redis?.close());

    const clearOn = (prefix: string) => clear(admin, prefix);
    describeStoreConformance(`RedisStateStore on ${kind.name} on a Redis Cluster`, async () => {
      const stores = storesOn(redis, undefined, runPrefix, clearOn);
      return { ...stores, advance: (ms) => elapse(admin, stores.prefix, ms) };
    });

    const sharedStores = (clock: FakeClock) => storesOn(redis, clock, runPrefix, clearOn);
    describeLockRace(`RedisStateStore on ${kind.name} on a Redis Cluster`, sharedStores);
    describeGrantRace(`RedisStateStore on ${kind.name} on a Redis Cluster`, sharedStores);

    describe('one hash slot per step', () => {
      // Ids whose characters would break a hash tag if they reached the key as they are.
      const userIds = ['alice', 'bob@example.com', 'a{b}c', '}{', '{', 'ünïcødé 用户', '%7Bx%7D', 'x'.repeat(256)];
      const cases = userIds.map((id) => [id.length > 32 ? `${id.slice(0, 8)}... (${id.length} characters)` : JSON.stringify(id), id]);

      test.each(cases)('every multi-key step of the core names keys of one slot, for user %s', async (_label, id) => {
        const prefix = `${runPrefix}flow:${kind.name}:`;
        const clock = new FakeClock();
        const factors = new MemoryStore({ clock });
        const { state, calls } = recordingMultiKeyCalls(redis.store(prefix));
        const mfa = createMfa({ issuer: 'Acme', clock, encryptionKeys: TEST_ENCRYPTION_KEYS, recoveryCodeCost: TEST_RECOVERY_CODE_COST, stores: { factors, state } });
        const user = { id };
        const admin = { by: 'admin-1' };

        const started = await mfa.startEnrollment({ user }, 'totp');
        if (!started.ok) throw new Error(started.problem.code);
        const secret = started.value.secret;
        const confirmed = await mfa.confirmEnrollment({ user }, 'totp', started.value.factorId, totpCode(secret, clock)); // the pending enrollment with its cut-off mark
        if (!confirmed.ok) throw new Error(confirmed.problem.code);
        const sessionToken = confirmed.value.session.sessionToken;
        expect(await decide(mfa, { user, sessionToken })).toMatchObject({ allow: true }); // the session with the revocation mark
        for (let i = 0; i < 3; i++) await mfa.verify({ user }, { code: wrongCode(secret, clock) }); // counted unless locked, until locked
        expect(await mfa.verify({ user }, { recoveryCode: confirmed.value.recoveryCodes![0]! })).toMatchObject({ ok: false, problem: { code: 'mfa_locked' } });
        await mfa.admin.unlockUser(id, admin);
        clock.advance(30_000);
        expect(await mfa.verify({ user, sessionToken }, { code: totpCode(secret, clock) })).toMatchObject({ ok: true }); // the previous session read, then replaced

        const kinds = new Set(calls.map((keys) => keys.map((key) => key.slice(0, key.indexOf(':'))).join(' ')));
        expect([...kinds].sort()).toEqual(['attempts lock', 'attempts lock codelock', 'enroll enrollcut', 'session revoked']);
        for (const keys of calls) {
          const slots = new Set(await Promise.all(keys.map((key) => slotOf(prefix + key))));
          expect(slots.size).toBe(1);
        }
        factors.close();
      });

      test('keys of two slots are refused with CROSSSLOT, and nothing is counted', async () => {
        const store = redis.store(`${runPrefix}crossslot:${kind.name}:`);
        expect(await slotOf('k:{alice}')).not.toBe(await slotOf('k:{bob}'));
        await expect(store.getMany(['k:{alice}', 'k:{bob}'])).rejects.toThrow(/CROSSSLOT/);
        await expect(store.incrementUnless('n:{alice}', 60_000, ['lock:{bob}'])).rejects.toThrow(/CROSSSLOT/);
        expect(await store.get('n:{alice}')).toBeNull();
        expect(await store.getMany(['k:{alice}', 'l:{alice}'])).toEqual([null, null]); // one tag: one slot
      });

      test('the Lua scripts run on a primary that has not cached them (EVALSHA falls back to EVAL)', async () => {
        const store = redis.store(`${runPrefix}flush:${kind.name}:`);
        await Promise.all(admin.nodes('master').map((node) => node.script('FLUSH')));
        expect(await store.increment('n:{u}', 60_000)).toBe(1);
        expect(await store.incrementUnless('n:{u}', 60_000, ['lock:{u}'])).toBe(2);
        await Promise.all(admin.nodes('master').map((node) => node.script('FLUSH')));
        expect(await store.advance('s:{u}', 3, 60_000)).toBe(true);
      });
    });
  });
});
