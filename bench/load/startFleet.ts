import path from 'node:path';
import { DemoInstance, type Framework, fleetEnv, OwnDatabase, OwnRedis } from '../../test/fleet/harness';
import type { Target } from './lib/client';
import { LOAD_USERS_VARIABLE } from './lib/loadUsers';

/** Two demo instances (or more) sharing a Redis server and a PostgreSQL database of their own, ready for a load run. */
export interface LoadFleet {
  /** Where the load generator sends requests. */
  targets: Target[];
  instances: DemoInstance[];
  /** The instances' process ids, to read their memory and CPU time from /proc. */
  pids: number[];
  /** Stops the instances, Redis, and drops the database. */
  stop(): Promise<void>;
}

const ENTRY = path.join(__dirname, 'lib', 'instance.ts');

/**
 * Starts a fleet as test/fleet/harness.ts does (a redis-server of its own, a PostgreSQL database
 * made for it, the demos as their own processes under tsx, as `pnpm start` runs them), the demos
 * knowing `users` load users (see lib/instance.ts) and a step-up window of
 * `freshMaxAgeSeconds` (MFA_FRESH_MAX_AGE). Redis keeps no append-only file here: the harness's
 * `appendfsync always` (for its restart tests) would put a disk flush in every write, which no
 * production Redis does.
 *
 * @example
 * const fleet = await startFleet({ users: 200, freshMaxAgeSeconds: 20 });
 * try { await runLoad({ targets: fleet.targets, users: 200, durationMs: 60_000, freshMaxAgeMs: 20_000 }); } finally { await fleet.stop(); }
 */
export async function startFleet(options: {
  users: number;
  freshMaxAgeSeconds: number;
  frameworks?: Framework[];
  /** More environment for the instances, e.g. NODE_OPTIONS='--cpu-prof'. */
  env?: NodeJS.ProcessEnv;
}): Promise<LoadFleet> {
  const frameworks = options.frameworks ?? ['express', 'koa'];
  const [redis, database] = await Promise.all([OwnRedis.start(), OwnDatabase.create()]);
  const instances: DemoInstance[] = [];
  const stop = async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await Promise.all([redis.close(), database.drop()]);
  };
  try {
    const client = redis.client();
    await client.config('SET', 'appendonly', 'no');
    client.disconnect();
    const env = { ...fleetEnv(redis, database), [LOAD_USERS_VARIABLE]: String(options.users), MFA_FRESH_MAX_AGE: String(options.freshMaxAgeSeconds), ...options.env };
    const started = await Promise.allSettled(frameworks.map((framework) => DemoInstance.start(framework, env, { entry: ENTRY })));
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  const targets = instances.map((instance, i) => ({ name: frameworks[i]!, port: Number(new URL(instance.url).port) }));
  return { targets, instances, pids: instances.map((instance) => instance.pid), stop };
}
