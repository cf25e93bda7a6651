import { MfaError } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { type Commands, commandsOn, isIoredis, isNodeRedis } from './lib/commands';
import { ADVANCE, INCREMENT_UNLESS } from './scripts';

/** The default {@link RedisStateStoreOptions.commandTimeout} on node-redis: the 500 ms the README's ioredis example sets. */
const NODE_REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The client the store runs on, which the caller creates, configures, connects and closes:
 * - ioredis 5 or 6: a single node (`new Redis(...)`) or a `new Cluster(...)` ({@link IoredisClient});
 * - node-redis 5 (`redis`): `createClient(...)` or `createCluster(...)` ({@link NodeRedisClient}).
 *
 * @example
 * const client: RedisClient = new Cluster([{ host: 'redis-1', port: 6379 }], { redisOptions: { commandTimeout: 500 } });
 * @example
 * const client: RedisClient = createClient({ url: 'redis://redis-1:6379' }); // then client.on('error', ...) and await client.connect()
 */
export type RedisClient = IoredisClient | NodeRedisClient;

/**
 * An ioredis 5 or 6 `Redis` or `Cluster`. Declared by the method the store recognises it by, not
 * with ioredis' own types, so that an application that installs only node-redis compiles against
 * this package's declarations.
 *
 * @example
 * const client: IoredisClient = new Redis(process.env.REDIS_URL!, { commandTimeout: 500, maxRetriesPerRequest: 1 });
 */
export interface IoredisClient {
  /** ioredis' `EVALSHA`. */
  evalsha: (...args: never[]) => unknown;
}

/**
 * A node-redis 5 client or cluster, as `createClient()` and `createCluster()` return them, whatever
 * their RESP version, modules or type mapping (the store reads every reply as a string). Declared
 * by the methods the store recognises it by, not with node-redis' own types, so that an
 * application that installs only ioredis compiles against this package's declarations.
 *
 * @example
 * const client: NodeRedisClient = await createClient({ url: process.env.REDIS_URL }).connect();
 */
export interface NodeRedisClient {
  /** node-redis' `EVALSHA`. */
  evalSha: (...args: never[]) => unknown;
  /** node-redis' raw command. */
  sendCommand: (...args: never[]) => unknown;
  /** node-redis' view of the client with another reply type mapping. */
  withTypeMapping: (...args: never[]) => unknown;
}

/**
 * Options of {@link RedisStateStore}.
 *
 * @example
 * new RedisStateStore(redis, { prefix: 'acme:mfa:' });
 */
export interface RedisStateStoreOptions {
  /**
   * Put before every key, so mfakit's keys do not meet the application's. It may not contain
   * `{` or `}`: the core's keys carry the user as a Redis Cluster hash tag (`{userId}`), and a
   * brace in the prefix would become the tag instead.
   * @default 'mfa:'
   */
  prefix?: string;
  /**
   * The longest, in milliseconds, that an operation waits for Redis before it rejects (and the
   * core answers 503 `mfa_unavailable`). The command is not cancelled; its late reply is dropped.
   *
   * node-redis 5 needs it: its own command timeout only covers the wait to be written, and a
   * command that Redis took but never answers would wait forever. An ioredis client bounds each
   * command by its own `commandTimeout` (set it, see the README), so the store sets no deadline
   * of its own unless this option is given.
   * @default 500 for a node-redis client; none for an ioredis client
   */
  commandTimeout?: number;
}

/**
 * mfakit's short-lived state (MFA sessions, pending enrollments, WebAuthn challenges, attempt
 * counters, used TOTP steps) in Redis, shared by every instance of a fleet: a code used on one
 * instance is refused on all, and a lockout holds across all. Every operation is one round trip
 * and atomic: GET, MGET, SET PX, SET NX PX, GETDEL (Redis 6.2+), DEL, and Lua for
 * increment-with-TTL, increment-unless-blocked and advance (EVALSHA, with EVAL when the script is
 * not cached yet).
 *
 * It runs on ioredis (`Redis`, `Cluster`) or node-redis 5 (`createClient`, `createCluster`),
 * with the same behaviour, proven by the same test suites on both (see {@link RedisClient}).
 *
 * The caller builds and owns the client; the store never connects, retries, or quits it. Errors
 * from Redis are never swallowed: every method rejects, and the core turns that into `503
 * mfa_unavailable` (fail closed). So that an outage answers 503 quickly instead of hanging
 * requests, every operation must be bounded in time:
 * - ioredis: configure the client with a short `commandTimeout` (e.g. 500 ms) and a small
 *   `maxRetriesPerRequest` (e.g. 1), and consider `enableOfflineQueue: false`. The store adds no
 *   deadline of its own unless given {@link RedisStateStoreOptions.commandTimeout}.
 * - node-redis: the store bounds every operation itself
 *   ({@link RedisStateStoreOptions.commandTimeout}, 500 ms by default), because node-redis 5's
 *   command timeout does not cover the wait for a reply. An operation not answered in time
 *   rejects with an error whose `code` is `'ETIMEDOUT'`; the command itself is not cancelled.
 *
 * What the caller must configure on the Redis server: the keys are security state (attempt
 * counters and lockouts, TOTP replay guards, session revocation marks), so Redis must not drop
 * them early. Use `maxmemory-policy noeviction`: every key has a TTL, so the `volatile-*` policies
 * would evict them too, while with `noeviction` a full Redis refuses writes and mfakit answers 503
 * (fail closed). Losing the data (a restart without persistence, a failover to a lagging replica)
 * ends MFA sessions and forgets lockouts and used TOTP steps, so a code used just before could be
 * accepted once more while it is still valid: keep AOF persistence on if that matters. Factors
 * are durable records and do not belong here (`@mfakit/postgres`).
 *
 * @example
 * import Redis from 'ioredis';
 * import { createMfa } from '@mfakit/core';
 * import { RedisStateStore } from '@mfakit/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL!, { commandTimeout: 500, maxRetriesPerRequest: 1 });
 * const mfa = createMfa({ issuer: 'Acme', stores: { state: new RedisStateStore(redis) } });
 * @example
 * import { createClient } from 'redis';
 *
 * const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * redis.on('error', (err) => console.error('Redis', err)); // without a listener, a lost connection ends the process
 * await redis.connect();
 * const state = new RedisStateStore(redis); // every operation rejects after 500 ms without an answer
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 * @see https://redis.io/docs/latest/commands/eval/ (a Lua script runs atomically)
 */
export class RedisStateStore implements StateStore {
  /** The prefix put before every key. */
  readonly prefix: string;

  /** The commands the store sends, on the client it was given, with the deadline if any. */
  private readonly redis: Commands;

  /**
   * Checks the client and the options once; connects nothing.
   *
   * @param client An ioredis 5 or 6 client (`Redis` or `Cluster`) or a node-redis 5 client
   *   (`createClient()` or `createCluster()`), configured, connected and eventually closed by
   *   the caller.
   * @param options `prefix` for every key (default `'mfa:'`); `commandTimeout` in ms (default
   *   500 on node-redis, none on ioredis).
   * @throws MfaError `invalid_option` when `client` is neither an ioredis nor a node-redis
   *   client, `prefix` is not a string or holds `{` or `}`, or `commandTimeout` is not a
   *   positive finite number.
   */
  constructor(client: RedisClient, options: RedisStateStoreOptions = {}) {
    const nodeRedis = client !== null && typeof client === 'object' && isNodeRedis(client);
    if (!nodeRedis && (client === null || typeof client !== 'object' || !isIoredis(client))) {
      throw new MfaError('invalid_option', 'RedisStateStore needs an ioredis client (new Redis(...) or new Cluster(...)) or a node-redis 5 client (createClient() or createCluster())');
    }
    const prefix = options.prefix ?? 'mfa:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new MfaError('invalid_option', "RedisStateStore prefix must be a string without '{' or '}' (they would break the Redis Cluster hash tag)");
    }
    const timeout = options.commandTimeout ?? (nodeRedis ? NODE_REDIS_COMMAND_TIMEOUT_MS : undefined);
    if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) {
      throw new MfaError('invalid_option', 'RedisStateStore commandTimeout must be a positive number of milliseconds');
    }
    this.prefix = prefix;
    this.redis = commandsOn(client, timeout);
  }

  /** `GET`: the value, or null when the key is absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  /**
   * One MGET for every key, the values in the order of `keys`; an empty list answers `[]` without
   * asking Redis. On a `Cluster` the keys must share a slot: the core only asks for keys of one
   * user, which share the `{userId}` hash tag (keys of several slots reject with CROSSSLOT).
   */
  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.redis.mget(keys.map((key) => this.key(key)));
  }

  /**
   * `SET key value PX ttl`: stores the value for `ttlMs` milliseconds (rounded up, at least 1),
   * replacing any.
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(key), value, ttl(ttlMs));
  }

  /**
   * `SET key value PX ttl NX`: stores the value only if the key is absent, in one step.
   * @returns true when it stored the value.
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.redis.setIfAbsent(this.key(key), value, ttl(ttlMs));
  }

  /**
   * `GETDEL` (Redis 6.2+): reads and deletes in one step, so of racing callers one gets the value
   * and the others null (a challenge or pending enrollment is used once).
   */
  async consume(key: string): Promise<string | null> {
    return this.redis.getdel(this.key(key));
  }

  /** `DEL`: removes the key; no error when it is absent. */
  async delete(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  /**
   * Lua `INCR`, with `PEXPIRE` only when the key was just created (or has no TTL): adds one and
   * answers the new count; later increments never extend the window (the failure counter of NIST
   * SP 800-63B 5.2.2 throttling).
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async increment(key: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.run(INCREMENT_UNLESS, [this.key(key)], [String(ttl(ttlMs))]));
  }

  /**
   * Lua: `EXISTS` on each key of `unless`, and unless one exists, `INCR` with `PEXPIRE` only when
   * the counter was just created (or has no TTL), all in one atomic step: the new count, or null
   * (nothing counted) when a blocker exists. The account throttle's "refuse if locked, else count":
   * no request on any instance counts after a lock was set. On a `Cluster` the counter and the
   * blockers must share a slot: the core only passes keys of one user, which share the `{userId}`
   * hash tag (keys of several slots reject with CROSSSLOT).
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async incrementUnless(key: string, ttlMs: number, unless: string[]): Promise<number | null> {
    const keys = [key, ...unless].map((k) => this.key(k));
    const count = await this.redis.run(INCREMENT_UNLESS, keys, [String(ttl(ttlMs))]);
    return count === null ? null : Number(count);
  }

  /**
   * Lua: stores `value` with the TTL only if the key is absent or holds a smaller number, in one
   * step; the TOTP replay guard (a time step is accepted only if greater than the last one, RFC
   * 6238 section 5.2).
   * @returns true when it stored the value.
   * @throws MfaError `invalid_option` for a value or TTL that is not a finite number.
   */
  async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(value)) throw new MfaError('invalid_option', 'RedisStateStore.advance needs a finite number');
    return Number(await this.redis.run(ADVANCE, [this.key(key)], [String(value), String(ttl(ttlMs))])) === 1;
  }

  private key(key: string): string {
    return this.prefix + key;
  }
}

/** A TTL Redis accepts: whole milliseconds, at least one. */
function ttl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new MfaError('invalid_option', 'RedisStateStore needs a finite TTL in milliseconds');
  return Math.max(1, Math.ceil(ttlMs));
}
