import { redisAnswers, whenServices } from '@mfakit/testing';

/** Where the Redis tests connect. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Registers `suite` when Redis answers at REDIS_URL; otherwise a skip (a failure under CI) that says why. */
export function withRedis(suite: () => void): void {
  whenServices('the @mfakit/redis suites', redisAnswers(REDIS_URL) ? [] : [`Redis (6.2+) at REDIS_URL=${REDIS_URL}`], suite);
}
