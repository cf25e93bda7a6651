// The Redis clients RedisStateStore runs on, for the suites of this folder to run on each
// (`describe.each(CLIENTS)`): ioredis and node-redis 5, on a single Redis and on a Redis Cluster.
import { randomUUID } from 'node:crypto';
import { type Clock, MemoryStore } from '@mfakit/core';
import { type RedisClient, RedisStateStore } from '@mfakit/redis';
import { type Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import type { LocalRedisCluster } from './cluster';
import { REDIS_URL } from './redisProbe';

/** A connected client, and stores on it. */
export interface TestClient {
  client: RedisClient;
  /** A store on the client under `prefix`, its deadline set where this client takes it. */
  store(prefix: string): RedisStateStore;
  /** Closes the connection once its commands are answered. */
  close(): Promise<void>;
  /** Drops the connection at once, with commands pending (a Redis that stopped answering would keep `close()` waiting). */
  disconnect(): void;
}

/** How long an operation may wait for Redis. */
export interface Timeout {
  timeoutMs: number;
}

/** One client library. */
export interface ClientKind {
  name: 'ioredis' | 'node-redis';
  /** A client of the single Redis at `url`, connected. */
  single(url: string, timeout?: Timeout): Promise<TestClient>;
  /** A client of `local`, connected. */
  cluster(local: LocalRedisCluster, timeout?: Timeout): Promise<TestClient>;
}

/**
 * Wider than the README's 500 ms: the suites share two cores with other test files, and a slow
 * answer must not fail a conformance test.
 */
const SUITE_TIMEOUT: Timeout = { timeoutMs: 2000 };

/** ioredis, set up as the README says: its own `commandTimeout`, one retry. */
const ioredis: ClientKind = {
  name: 'ioredis',
  async single(url, { timeoutMs } = SUITE_TIMEOUT) {
    return ioredisClient(new Redis(url, { commandTimeout: timeoutMs, maxRetriesPerRequest: 1 }));
  },
  async cluster(local, { timeoutMs } = SUITE_TIMEOUT) {
    return ioredisClient(local.client({ redisOptions: { commandTimeout: timeoutMs } }));
  },
};

/** node-redis 5 with its defaults; the store's `commandTimeout` bounds each operation. */
const nodeRedis: ClientKind = {
  name: 'node-redis',
  async single(url, { timeoutMs } = SUITE_TIMEOUT) {
    return nodeRedisClient(createClient({ url }), timeoutMs);
  },
  async cluster(local, { timeoutMs } = SUITE_TIMEOUT) {
    return nodeRedisClient(createCluster({ rootNodes: local.startupNodes.map(({ host, port }) => ({ socket: { host, port } })) }), timeoutMs);
  },
};

/** Both clients; `describe.each(CLIENTS)('... on $name', (kind) => ...)`. */
export const CLIENTS: ClientKind[] = [ioredis, nodeRedis];

function ioredisClient(client: Redis | Cluster): TestClient {
  return {
    client,
    store: (prefix) => new RedisStateStore(client, { prefix }),
    close: async () => {
      await client.quit();
    },
    disconnect: () => client.disconnect(),
  };
}

async function nodeRedisClient(client: ReturnType<typeof createClient> | ReturnType<typeof createCluster>, timeoutMs: number): Promise<TestClient> {
  client.on('error', () => {}); // the store's rejections carry the failure; an unheard 'error' would end the process
  await client.connect();
  return {
    client,
    store: (prefix) => new RedisStateStore(client, { prefix, commandTimeout: timeoutMs }),
    close: () => client.close(),
    disconnect: () => client.destroy(),
  };
}

/** An ioredis connection to the single Redis that looks at and removes the keys the stores wrote, whatever client they are on. */
export const adminClient = (): Redis => new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });

/** Deletes every key under `prefix` on a single Redis (SCAN, not KEYS). */
export async function clearKeys(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

/**
 * The stores of a shared suite (store conformance, lock race, grant race), made anew for each
 * test: a MemoryStore of factors on `clock`, and a RedisStateStore on `redis` under a prefix of
 * its own (`runPrefix` and a UUID), whose keys `clear` removes on close.
 */
export function storesOn(redis: TestClient, clock: Clock | undefined, runPrefix: string, clear: (prefix: string) => Promise<void>) {
  const prefix = `${runPrefix}${randomUUID()}:`;
  const factors = new MemoryStore({ clock });
  return {
    prefix,
    factors,
    state: redis.store(prefix),
    close: async () => {
      factors.close();
      await clear(prefix);
    },
  };
}
