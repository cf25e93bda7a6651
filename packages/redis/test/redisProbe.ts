import { spawnSync } from 'node:child_process';

/** Where the Redis tests connect. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True in CI, where a missing Redis is a failure instead of a notice. */
export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';

/**
 * Whether Redis at REDIS_URL answers PING. Jest collects tests synchronously, so the probe runs in
 * a child process (ioredis, a 2 s limit) and the file can choose its tests before they run.
 */
export function redisAnswers(): boolean {
  const script = `
    const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
    const r = new Redis(${JSON.stringify(REDIS_URL)}, { lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    r.ping().then((p) => { r.disconnect(); process.exit(p === 'PONG' ? 0 : 1); }, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 2000, stdio: 'ignore' }).status === 0;
}

/**
 * Registers `suite` when Redis answers. Otherwise one test: outside CI it passes and prints a
 * notice naming REDIS_URL; in CI it fails, so a missing service is never mistaken for a pass.
 */
export function withRedis(suite: () => void): void {
  if (redisAnswers()) {
    suite();
    return;
  }
  const notice = `Redis did not answer at ${REDIS_URL}: set REDIS_URL to a running Redis (6.2+) to run the @mfakit/redis suites`;
  if (IN_CI) {
    test('redis reachable at REDIS_URL (required when CI is set)', () => {
      throw new Error(notice);
    });
    return;
  }
  test('redis unavailable: set REDIS_URL to run the conformance suite', () => {
    console.warn(notice);
    expect(redisAnswers()).toBe(false);
  });
}
