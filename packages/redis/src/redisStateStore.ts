import { MfaError } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import type { Cluster, Redis } from 'ioredis';
import { ADVANCE, INCREMENT_UNLESS, type LuaScript } from './scripts';

/**
 * The ioredis client the store runs on: a single node (`Redis`) or a `Cluster`. The caller
 * creates, configures and closes it.
 *
 * @example
 * const client: RedisClient = new Cluster([{ host: 'redis-1', port: 6379 }], { redisOptions: { commandTimeout: 500 } });
 */
export type RedisClient = Redis | Cluster;

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
}

/**
 * mfakit's short-lived state (MFA sessions, pending enrollments, WebAuthn challenges, attempt
 * counters, used TOTP steps) in Redis, shared by every instance of a fleet: a code used on one
 * instance is refused on all, and a lockout holds across all. Every operation is one round trip
 * and atomic: GET, MGET, SET PX, SET NX PX, GETDEL (Redis 6.2+), DEL, and Lua for
 * increment-with-TTL, increment-unless-blocked and advance (EVALSHA, with EVAL when the script is
 * not cached yet).
 *
 * The caller builds and owns the client; the store never connects, retries, or quits it. Errors
 * from Redis are never swallowed: every method rejects, and the core turns that into `503
 * mfa_unavailable` (fail closed). So that an outage answers 503 quickly instead of hanging
 * requests, configure the client with a short `commandTimeout` (e.g. 500 ms) and a small
 * `maxRetriesPerRequest` (e.g. 1), and consider `enableOfflineQueue: false`.
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
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 * @see https://redis.io/docs/latest/commands/eval/ (a Lua script runs atomically)
 */
export class RedisStateStore implements StateStore {
  /** The prefix put before every key. */
  readonly prefix: string;

  /**
   * Checks the client and the options once; connects nothing.
   *
   * @param client An ioredis 5 or 6 client (`Redis` or `Cluster`), configured, connected and
   *   eventually quit by the caller.
   * @param options `prefix` for every key (default `'mfa:'`).
   * @throws MfaError `invalid_option` when `client` is not an ioredis client, or `prefix` is not a
   *   string or holds `{` or `}`.
   */
  constructor(
    private readonly client: RedisClient,
    options: RedisStateStoreOptions = {},
  ) {
    if (client === null || typeof client !== 'object' || typeof (client as Redis).evalsha !== 'function') {
      throw new MfaError('invalid_option', 'RedisStateStore needs an ioredis client (new Redis(...) or new Cluster(...))');
    }
    const prefix = options.prefix ?? 'mfa:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new MfaError('invalid_option', "RedisStateStore prefix must be a string without '{' or '}' (they would break the Redis Cluster hash tag)");
    }
    this.prefix = prefix;
  }

  /** `GET`: the value, or null when the key is absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.client.get(this.key(key));
  }

  /**
   * One MGET for every key, the values in the order of `keys`; an empty list answers `[]` without
   * asking Redis. On a `Cluster` the keys must share a slot: the core only asks for keys of one
   * user, which share the `{userId}` hash tag (keys of several slots reject with CROSSSLOT).
   */
  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.client.mget(...keys.map((key) => this.key(key)));
  }

  /**
   * `SET key value PX ttl`: stores the value for `ttlMs` milliseconds (rounded up, at least 1),
   * replacing any.
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(this.key(key), value, 'PX', ttl(ttlMs));
  }

  /**
   * `SET key value PX ttl NX`: stores the value only if the key is absent, in one step.
   * @returns true when it stored the value.
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.key(key), value, 'PX', ttl(ttlMs), 'NX')) === 'OK';
  }

  /**
   * `GETDEL` (Redis 6.2+): reads and deletes in one step, so of racing callers one gets the value
   * and the others null (a challenge or pending enrollment is used once).
   */
  async consume(key: string): Promise<string | null> {
    return this.client.getdel(this.key(key));
  }

  /** `DEL`: removes the key; no error when it is absent. */
  async delete(key: string): Promise<void> {
    await this.client.del(this.key(key));
  }

  /**
   * Lua `INCR`, with `PEXPIRE` only when the key was just created (or has no TTL): adds one and
   * answers the new count; later increments never extend the window (the failure counter of NIST
   * SP 800-63B 5.2.2 throttling).
   * @throws MfaError `invalid_option` for a TTL that is not a finite number.
   */
  async increment(key: string, ttlMs: number): Promise<number> {
    return Number(await this.run(INCREMENT_UNLESS, [this.key(key)], ttl(ttlMs)));
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
    const count = await this.run(INCREMENT_UNLESS, keys, ttl(ttlMs));
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
    return Number(await this.run(ADVANCE, [this.key(key)], String(value), ttl(ttlMs))) === 1;
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  /**
   * EVALSHA with `keys` (their count as numkeys), and EVAL only when this server has not cached
   * the script yet (NOSCRIPT).
   */
  private async run(script: LuaScript, keys: string[], ...args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha1, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }
}

/** A TTL Redis accepts: whole milliseconds, at least one. */
function ttl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new MfaError('invalid_option', 'RedisStateStore needs a finite TTL in milliseconds');
  return Math.max(1, Math.ceil(ttlMs));
}
