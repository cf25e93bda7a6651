/**
 * Threat: a Redis outage turning MFA off or hanging every request: a store that swallows a
 * connection error and answers "no session" / "not used yet" / count 0 would let a replayed code or
 * an unthrottled guess through, and one that waits forever holds every request. Every
 * RedisStateStore operation must reject promptly when Redis cannot be reached or takes commands
 * and never answers, on ioredis and on node-redis, and the core must then answer 503
 * mfa_unavailable (fail closed).
 */
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createMfa, MemoryStore } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { RedisStateStore } from '@mfakit/redis';
import { decide } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { CLIENTS } from './clients';
import { REDIS_URL, withRedis } from './redisProbe';

/** How long an operation may wait for Redis in these tests. */
const TIMEOUT_MS = 200;
/** How late a rejection may come on a loaded test machine: well under "never". */
const SLACK_MS = 700;

/** A store and a client for a port nobody listens on. */
interface Unreachable {
  store: RedisStateStore;
  disconnect(): void;
}

const UNREACHABLE: [string, () => Unreachable][] = [
  [
    // As the README recommends: fail fast, no queue.
    'ioredis',
    () => {
      const client = new Redis({
        host: '127.0.0.1',
        port: 1,
        connectTimeout: TIMEOUT_MS,
        commandTimeout: TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      client.on('error', () => {}); // the store's rejections carry the failure; no unhandled 'error'
      return { store: new RedisStateStore(client, { prefix: 'mfatest:down:' }), disconnect: () => client.disconnect() };
    },
  ],
  [
    // node-redis as by default, the worst case: it reconnects forever and queues every command
    // meanwhile, with no timeout of its own; the store's deadline is all that answers. (Retries
    // every 100 ms rather than backing off to 2 s, which would keep jest waiting after the run.)
    'node-redis',
    () => {
      const client = createClient({ socket: { host: '127.0.0.1', port: 1, reconnectStrategy: () => 100 } });
      client.on('error', () => {});
      client.connect().catch(() => {}); // never connects; the commands are what the test watches
      return { store: new RedisStateStore(client, { prefix: 'mfatest:down:', commandTimeout: TIMEOUT_MS }), disconnect: () => client.destroy() };
    },
  ],
];

const operations: [keyof StateStore, (s: StateStore) => unknown][] = [
  ['get', (s) => s.get('k:{u}')],
  ['getMany', (s) => s.getMany(['k:{u}', 'l:{u}'])],
  ['set', (s) => s.set('k:{u}', 'v', 1000)],
  ['setIfAbsent', (s) => s.setIfAbsent('k:{u}', 'v', 1000)],
  ['consume', (s) => s.consume('k:{u}')],
  ['delete', (s) => s.delete('k:{u}')],
  ['increment', (s) => s.increment('k:{u}', 1000)],
  ['incrementUnless', (s) => s.incrementUnless('k:{u}', 1000, ['l:{u}'])],
  ['advance', (s) => s.advance('k:{u}', 1, 1000)],
];

describe.each(UNREACHABLE)('RedisStateStore on %s without a reachable Redis', (_name, unreachable) => {
  let down: Unreachable;
  const factors = new MemoryStore();

  beforeAll(() => {
    down = unreachable();
  });
  afterAll(() => {
    down.disconnect();
    factors.close();
  });

  test.each(operations)('%s rejects instead of answering', async (_op, run) => {
    await expect(run(down.store)).rejects.toBeInstanceOf(Error);
  });

  test('check answers 503 mfa_unavailable, for a session token and for an inline code', async () => {
    const errors: string[] = [];
    const mfa = createMfa({
      issuer: 'Acme',
      encryptionKeys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      stores: { factors, state: down.store },
      logger: { warn: () => {}, error: (m) => errors.push(m) },
    });
    // An enrolled factor, so the inline code reaches the throttle and the used-step guard in Redis.
    await factors.createFactor({
      id: 'fac_1',
      userId: 'alice',
      kind: 'totp',
      label: 'Authenticator app',
      createdAt: 0,
      secret: 'v1:k1:iv:ciphertext',
      algorithm: 'sha1',
      digits: 6,
      period: 30,
      counter: 0,
    });
    const bySession = await decide(mfa, { user: { id: 'alice' }, sessionToken: 'mfa_0123456789abcdef' });
    const byCode = await decide(mfa, { user: { id: 'alice' }, inlineCode: '123456' });
    for (const decision of [bySession, byCode]) {
      expect(decision.allow).toBe(false);
      if (decision.allow) continue;
      expect(decision.response.status).toBe(503);
      expect(decision.response.body).toMatchObject({ code: 'mfa_unavailable', status: 503 });
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).not.toContain('123456');
  });
});

/**
 * A TCP proxy to the Redis at `url` that can stop passing Redis' replies back: Redis still takes
 * and runs every command, the client hears nothing (a stalled server or network, a half-open
 * connection). The URL it gives keeps `url`'s credentials and database.
 */
async function silenceableProxy(url: string): Promise<{ url: string; silence(): void; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let silent = false;
  const server = createServer((client) => {
    const redis = tcpConnect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        redis.destroy();
      });
    }
    client.pipe(redis);
    redis.on('data', (reply) => {
      if (!silent) client.write(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    silence: () => {
      silent = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

withRedis(() => {
  describe.each(CLIENTS)('RedisStateStore on $name when Redis takes commands and never answers', (kind) => {
    test(`every operation rejects after about ${TIMEOUT_MS} ms`, async () => {
      const proxy = await silenceableProxy(REDIS_URL);
      const redis = await kind.single(proxy.url, { timeoutMs: TIMEOUT_MS });
      try {
        const store = redis.store(`mfatest:silent:${kind.name}:`);
        expect(await store.get('k:{u}')).toBeNull(); // answered while the replies pass
        proxy.silence();
        const started = performance.now();
        const results = await Promise.allSettled(operations.map(([, run]) => run(store)));
        const elapsed = performance.now() - started;
        expect(results.map((result) => result.status)).toEqual(operations.map(() => 'rejected'));
        expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20); // the timers may round down by a few ms
        expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        if (kind.name === 'node-redis') {
          // The store's own deadline, not node-redis' (which does not cover the wait for a reply).
          for (const result of results) expect(result).toMatchObject({ reason: { code: 'ETIMEDOUT', name: 'RedisTimeoutError' } });
        }
      } finally {
        redis.disconnect();
        await proxy.close();
      }
    });
  });
});
