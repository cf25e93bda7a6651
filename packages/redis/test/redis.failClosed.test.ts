/**
 * Threat: a Redis outage turning MFA off or hanging every request: a store that swallows a
 * connection error and answers "no session" / "not used yet" / count 0 would let a replayed code or
 * an unthrottled guess through. Every RedisStateStore operation must reject promptly when Redis
 * cannot be reached, and the core must then answer 503 mfa_unavailable (fail closed).
 */
import { createMfa, MemoryStore } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { RedisStateStore } from '@mfakit/redis';
import { Redis } from 'ioredis';
import { decide } from '@mfakit/testing';

/** A client for a port nobody listens on, set up as the README recommends: fail fast, no queue. */
function unreachableClient(): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: 1,
    connectTimeout: 200,
    commandTimeout: 200,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // the store's rejections carry the failure; no unhandled 'error'
  return client;
}

describe('RedisStateStore without a reachable Redis', () => {
  let client: Redis;
  let store: RedisStateStore;
  const factors = new MemoryStore();

  beforeAll(() => {
    client = unreachableClient();
    store = new RedisStateStore(client, { prefix: 'mfatest:down:' });
  });
  afterAll(() => {
    client.disconnect();
    factors.close();
  });

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

  test.each(operations)('%s rejects instead of answering', async (_name, run) => {
    await expect(run(store)).rejects.toBeInstanceOf(Error);
  });

  test('check answers 503 mfa_unavailable, for a session token and for an inline code', async () => {
    const errors: string[] = [];
    const mfa = createMfa({
      issuer: 'Acme',
      encryptionKeys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      stores: { factors, state: store },
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
