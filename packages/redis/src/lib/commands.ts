import type { Cluster, Redis } from 'ioredis';
import type { LuaScript } from '../scripts';
import { Deadline } from './deadline';

/**
 * The Redis commands RedisStateStore sends, the same on every client. Keys come prefixed; TTLs
 * come as whole milliseconds.
 */
export interface Commands {
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  /** `SET key value PX ttl`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** `SET key value PX ttl NX`: true when it stored the value. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  getdel(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** EVALSHA, and EVAL when this server has not cached the script yet (NOSCRIPT). */
  run(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * What RedisStateStore calls on a node-redis 5 client or cluster (both take the same typed
 * commands; a cluster routes each by its first key). Declared here rather than taken from
 * `redis`, whose reply types depend on the client's generics.
 */
interface NodeRedis {
  get(key: string): Promise<string | null>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, options: { expiration: { type: 'PX'; value: number }; condition?: 'NX' }): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  withTypeMapping(typeMapping: Record<string, never>): NodeRedis;
}

/** Whether `client` looks like a node-redis 5 client or cluster (ioredis spells it `evalsha`). */
export function isNodeRedis(client: object): boolean {
  return typeof (client as Partial<NodeRedis>).evalSha === 'function' && typeof (client as { sendCommand?: unknown }).sendCommand === 'function';
}

/** Whether `client` looks like an ioredis `Redis` or `Cluster`. */
export function isIoredis(client: object): boolean {
  return typeof (client as Partial<Redis>).evalsha === 'function';
}

/**
 * The commands on `client`, each rejected after `timeoutMs` when given. An EVALSHA answered
 * NOSCRIPT and its EVAL share one deadline.
 */
export function commandsOn(client: object, timeoutMs: number | undefined): Commands {
  const commands = isNodeRedis(client) ? nodeRedisCommands(client as NodeRedis) : ioredisCommands(client as Redis | Cluster);
  return timeoutMs === undefined ? commands : withDeadline(commands, new Deadline(timeoutMs));
}

function ioredisCommands(client: Redis | Cluster): Commands {
  return {
    get: (key) => client.get(key),
    mget: (keys) => client.mget(...keys),
    set: async (key, value, ttlMs) => {
      await client.set(key, value, 'PX', ttlMs);
    },
    setIfAbsent: async (key, value, ttlMs) => (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK',
    getdel: (key) => client.getdel(key),
    del: async (key) => {
      await client.del(key);
    },
    run: (script, keys, args) =>
      evalWithFallback(
        script,
        (sha1) => client.evalsha(sha1, keys.length, ...keys, ...args),
        (source) => client.eval(source, keys.length, ...keys, ...args),
      ),
  };
}

function nodeRedisCommands(client: NodeRedis): Commands {
  // The client's own type mapping could turn replies into Buffers or Maps; the store reads strings.
  const redis = client.withTypeMapping({});
  return {
    get: (key) => redis.get(key),
    mget: (keys) => redis.mGet(keys),
    set: async (key, value, ttlMs) => {
      await redis.set(key, value, { expiration: { type: 'PX', value: ttlMs } });
    },
    setIfAbsent: async (key, value, ttlMs) => (await redis.set(key, value, { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' })) === 'OK',
    getdel: (key) => redis.getDel(key),
    del: async (key) => {
      await redis.del(key);
    },
    run: (script, keys, args) =>
      evalWithFallback(
        script,
        (sha1) => redis.evalSha(sha1, { keys, arguments: args }),
        (source) => redis.eval(source, { keys, arguments: args }),
      ),
  };
}

/** `evalsha(sha1)`, and `evaluate(source)` only when the server answered NOSCRIPT. */
async function evalWithFallback(script: LuaScript, evalsha: (sha1: string) => Promise<unknown>, evaluate: (source: string) => Promise<unknown>): Promise<unknown> {
  try {
    return await evalsha(script.sha1);
  } catch (err) {
    // Redis' error replies start with their code: NOSCRIPT is "not cached on this server".
    if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
    return evaluate(script.source);
  }
}

function withDeadline(commands: Commands, deadline: Deadline): Commands {
  return {
    get: (key) => deadline.within('GET', commands.get(key)),
    mget: (keys) => deadline.within('MGET', commands.mget(keys)),
    set: (key, value, ttlMs) => deadline.within('SET', commands.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => deadline.within('SET NX', commands.setIfAbsent(key, value, ttlMs)),
    getdel: (key) => deadline.within('GETDEL', commands.getdel(key)),
    del: (key) => deadline.within('DEL', commands.del(key)),
    run: (script, keys, args) => deadline.within('EVALSHA', commands.run(script, keys, args)),
  };
}
