// check.redis.us: one `mfa.check` on a live MFA session with the state in Redis (RedisStateStore
// on ioredis, Redis at 127.0.0.1:6379 or REDIS_URL): one MGET round trip (the session and the
// user's revocation mark). Reported as wall time per check, with the client's CPU, and against a
// bare MGET of two keys on the same client in interleaved rounds (what the round trip alone
// costs). No target: it is a network round trip.
import { systemClock } from '@mfakit/core';
import { RedisStateStore } from '@mfakit/redis';
import Redis from 'ioredis';
import { median, round } from '../../lib/measurement';
import { benchMfa, enrollTotp } from '../lib/fixtures';
import type { Task } from '../lib/task';
import { type Batch, interleave, medianCost, spread, timeBatch } from '../lib/timing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const checkRedis: Task = {
  async run({ quick }) {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      const note = `not measured: Redis at ${REDIS_URL} did not answer (${(err as Error).message})`;
      return [{ name: 'check.redis.us', value: 0, unit: 'us/check', note }];
    }
    const prefix = `mfakit-bench:${process.pid}:`;
    try {
      const bench = benchMfa(systemClock, { state: new RedisStateStore(redis, { prefix }) });
      const { user, sessionToken } = await enrollTotp(bench, 'alice');
      const [rounds, n] = quick ? [7, 1500] : [21, 4000];
      const check: Batch = () =>
        timeBatch(n, async () => {
          const checked = await bench.mfa.check({ user, sessionToken });
          if (!checked.ok) throw new Error(`check denied a live session: ${checked.problem.code}`);
        });
      const keys = [`${prefix}bare:{alice}:a`, `${prefix}bare:{alice}:b`];
      await redis.set(keys[0]!, 'x'.repeat(200), 'PX', 600_000);
      const mget: Batch = () => timeBatch(n, () => redis.mget(...keys));
      await interleave(2, check, mget); // warm-up
      const result = await interleave(rounds, check, mget);
      const mine = medianCost(result.a);
      const bare = medianCost(result.b);
      const wallRatios = result.a.map((a, i) => a.wallUs / result.b[i]!.wallUs);
      return [
        { name: 'check.redis.mget_us', value: round(bare.wallUs, 1), unit: 'us/round trip', note: `a bare MGET of two keys on the same ioredis client (client CPU ${round(bare.cpuUs, 1)} us)` },
        {
          name: 'check.redis.us',
          value: round(mine.wallUs, 1),
          unit: 'us/check',
          baseline: 'check.redis.mget_us',
          ratio: round(median(wallRatios), 3),
          note: `mfa.check on a live session, RedisStateStore (one MGET); wall time, sequential, local Redis; client CPU ${round(mine.cpuUs, 1)} us/check; per-round wall ratios ${spread(wallRatios)} of ${n}; no target (one round trip)`,
        },
      ];
    } finally {
      const stale = await redis.keys(`${prefix}*`);
      if (stale.length) await redis.del(...stale);
      redis.disconnect();
    }
  },
};
