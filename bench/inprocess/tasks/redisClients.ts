// redis.client.*: which Redis client @mfakit/redis should run on (issue 18). The Redis work of one
// session check is one MGET of two keys of one user (RedisStateStore.getMany: the session record,
// ~200 bytes, and the user's revocation mark, usually missing). Both clients do exactly that on the
// same Redis, in interleaved rounds, and the rows give the client's CPU (process.cpuUsage over the
// batch) and the wall time per MGET:
// - ioredis as @mfakit/redis's README configures it: a command timeout, one retry, no offline
//   queue, and `enableAutoPipelining` (the commands of one tick leave in one write);
// - node-redis 5 (`redis`) with its defaults: it writes every command queued before the next
//   setImmediate in one write by itself;
// sequentially (one MGET in flight) and with 10 in flight at once (Promise.all, repeated), the
// way concurrent requests' checks meet, where pipelining matters. No target: this chooses a client.
import Redis from 'ioredis';
import { createClient } from 'redis';
import { type Measurement, median, round, spreadOf } from '../../lib/measurement';
import type { Task } from '../lib/task';
import { type Batch, type Cost, interleave, medianCost, timeBatch } from '../lib/timing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** MGETs in flight at once in the concurrent case: a busy instance's share of 10 requests. */
const IN_FLIGHT = 10;

type NodeRedis = ReturnType<typeof createClient>;

/** The two clients, connected; or why Redis could not be reached. */
async function connect(): Promise<{ ioredis: Redis; nodeRedis: NodeRedis } | string> {
  // The README's settings (commandTimeout, maxRetriesPerRequest, enableOfflineQueue) and its
  // recommended auto-pipelining.
  const ioredis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, commandTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
  // Defaults, but no endless reconnecting when Redis is not there: connect() rejects instead.
  const nodeRedis = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  // An unheard 'error' would end the worker (node-redis) or be logged (ioredis); keep the cause.
  let cause: Error | undefined;
  ioredis.on('error', (err: Error) => (cause = err));
  nodeRedis.on('error', (err: Error) => (cause = err));
  try {
    await ioredis.connect();
    await ioredis.ping();
    await nodeRedis.connect();
    await nodeRedis.ping();
    return { ioredis, nodeRedis };
  } catch (err) {
    ioredis.disconnect();
    if (nodeRedis.isOpen) nodeRedis.destroy();
    return `Redis at ${REDIS_URL} did not answer (${(cause ?? (err as Error)).message})`;
  }
}

/** `n` MGETs one after the other. */
function sequential(n: number, mget: () => Promise<unknown>): Batch {
  return () => timeBatch(n, mget);
}

/** `n` MGETs, `IN_FLIGHT` at a time; the cost is per MGET. */
function concurrent(n: number, mget: () => Promise<unknown>): Batch {
  const together = () => {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < IN_FLIGHT; i++) inFlight.push(mget());
    return Promise.all(inFlight);
  };
  return async () => {
    const cost = await timeBatch(n / IN_FLIGHT, together);
    return { cpuUs: cost.cpuUs / IN_FLIGHT, wallUs: cost.wallUs / IN_FLIGHT };
  };
}

/** The rows of one case: each client's CPU and wall time per MGET, and node-redis' CPU over ioredis'. */
function rows(suffix: string, what: string, nodeRedis: Cost[], ioredis: Cost[], ratios: number[]): Measurement[] {
  const row = (client: 'ioredis' | 'node_redis', costs: Cost[]): Measurement[] => {
    const cost = medianCost(costs);
    const label = client === 'ioredis' ? 'ioredis 6, auto-pipelining' : 'node-redis 5, defaults';
    return [
      {
        name: `redis.client.${client}${suffix}.cpu_us`,
        value: round(cost.cpuUs, 1),
        unit: 'us/MGET',
        spread: spreadOf(costs.map((c) => c.cpuUs)),
        note: `${label}; ${what}; CPU of the process per MGET`,
      },
      { name: `redis.client.${client}${suffix}.wall_us`, value: round(cost.wallUs, 1), unit: 'us/MGET', spread: spreadOf(costs.map((c) => c.wallUs)), note: `${label}; ${what}; wall time per MGET` },
    ];
  };
  const ratio = median(ratios);
  const verdict = ratio < 1 ? `node-redis uses ${round((1 - ratio) * 100, 0)}% less CPU per MGET` : `ioredis uses ${round((1 - 1 / ratio) * 100, 0)}% less CPU per MGET`;
  const spread = spreadOf(ratios, 3);
  const noise = spread.low <= 1 && spread.high >= 1 ? ' (within the noise: the middle half of the rounds has both signs)' : '';
  return [
    ...row('ioredis', ioredis),
    ...row('node_redis', nodeRedis),
    {
      name: `redis.client.node_redis_vs_ioredis${suffix}`,
      value: round(ratio, 3),
      unit: 'x (node-redis / ioredis CPU)',
      baseline: `redis.client.ioredis${suffix}.cpu_us`,
      ratio: round(ratio, 3),
      spread,
      note: `${what}: ${verdict}${noise}; median of per-round CPU ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; no target`,
    },
  ];
}

export const redisClients: Task = {
  async run({ quick }) {
    const clients = await connect();
    if (typeof clients === 'string') return [{ name: 'redis.client.node_redis_vs_ioredis', value: 0, unit: 'x (node-redis / ioredis CPU)', note: `not measured: ${clients}` }];
    const { ioredis, nodeRedis } = clients;
    const prefix = `mfakit-bench:${process.pid}:`;
    try {
      // One user's session record (under the token's SHA-256) and revocation mark, as the core keys them.
      const keys = [`${prefix}session:{alice}:${'0f'.repeat(32)}`, `${prefix}revoked:{alice}`];
      await ioredis.set(keys[0]!, 'x'.repeat(200), 'PX', 600_000); // about a session record's size
      const viaIoredis = () => ioredis.mget(...keys);
      const viaNodeRedis = () => nodeRedis.mGet(keys);
      const [rounds, n] = quick ? [5, 800] : [21, 4000];
      const many = n * 4; // a concurrent MGET takes a fraction of a sequential one's wall time

      await interleave(2, sequential(n, viaNodeRedis), sequential(n, viaIoredis)); // warm-up
      const one = await interleave(rounds, sequential(n, viaNodeRedis), sequential(n, viaIoredis));
      await interleave(2, concurrent(many, viaNodeRedis), concurrent(many, viaIoredis));
      const ten = await interleave(rounds, concurrent(many, viaNodeRedis), concurrent(many, viaIoredis));
      return [...rows('', `${IN_FLIGHT} MGETs in flight at once, ${many} per round`, ten.a, ten.b, ten.ratios), ...rows('.sequential', `one MGET in flight, ${n} per round`, one.a, one.b, one.ratios)];
    } finally {
      const stale = await ioredis.keys(`${prefix}*`);
      if (stale.length) await ioredis.del(...stale);
      ioredis.disconnect();
      nodeRedis.destroy();
    }
  },
};
