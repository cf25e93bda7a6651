import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { createMfa, MemoryStore, type Mfa, systemClock } from '@mfakit/core';
import { type RedisClient, RedisStateStore } from '@mfakit/redis';
import { totpCode } from '@mfakit/testing';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import { type Floor, memoryFloor, redisFloor } from './floor';

/**
 * The servers of the HTTP benchmark: bare Express, the primary authentication alone (`jwt`, the
 * baseline), that plus a middleware doing nothing (`jwt-noop`), plus the least a session check
 * must do (`floor-*`, see lib/floor.ts), and plus requireMfa (`mfa-*`), each on memory and Redis.
 */
export const VARIANTS = ['bare', 'jwt', 'jwt-noop', 'floor-memory', 'floor-redis', 'mfa-memory', 'mfa-redis'] as const;
export type Variant = (typeof VARIANTS)[number];

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'nestjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** The route every server answers, the same small JSON on every variant. */
export const ROUTE = '/api/profile';

/** The user of the access token and of the MFA session. */
export const BENCH_USER = 'bench-user';

/** Pinned, as an application should: no 'none', no RS/HS confusion. */
export const JWT_ALGORITHMS: jwt.Algorithm[] = ['HS256'];

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ACCESS_TOKEN_TTL_SECONDS = 3600; // outlives any run

/** What a server needs to answer the load generator: the JWT key, and the core with a live session for the MFA variants. */
export interface Fixture {
  /** The HS256 key as a KeyObject: given as a string, jsonwebtoken 9 spends ~40x longer per verify. */
  key: KeyObject;
  /** The request headers the load generator sends on every request, to every variant alike. */
  headers: Record<string, string>;
  /** The core, on the MFA variants. */
  mfa?: Mfa;
  /** The floor's check, on the floor variants. */
  floor?: Floor;
  /** Ends what the fixture opened (the Redis client and its keys). */
  close(): Promise<void>;
}

/** The user as the primary authentication leaves it (passport's `req.user`, Koa's `ctx.state.user`), or null. */
export function userOfPayload(payload: string | jwt.JwtPayload): { id: string } | null {
  return typeof payload === 'object' && typeof payload.sub === 'string' ? { id: payload.sub } : null;
}

const BEARER = /^Bearer ([A-Za-z0-9._-]{1,4096})$/;

/** The user of an `Authorization: Bearer <JWT>` signed with the fixture's key (jsonwebtoken's verify), or null: the Koa and Fastify servers' primary authentication. */
export function bearerUser(authorization: string | undefined, fixture: Fixture): { id: string } | null {
  const match = BEARER.exec(authorization ?? '');
  if (!match) return null;
  try {
    return userOfPayload(jwt.verify(match[1]!, fixture.key, { algorithms: JWT_ALGORITHMS }));
  } catch {
    return null;
  }
}

/**
 * Builds the key, an access token, and for the MFA variants a core whose user enrolled a TOTP
 * factor (confirmed with the code an authenticator would show now), so that the session the
 * confirmation opened is what every request presents.
 */
export async function makeFixture(variant: Variant): Promise<Fixture> {
  const key = createSecretKey(randomBytes(32));
  const accessToken = jwt.sign({ amr: ['pwd'] }, key, { algorithm: 'HS256', subject: BENCH_USER, expiresIn: ACCESS_TOKEN_TTL_SECONDS });
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
  if (variant === 'bare' || variant === 'jwt' || variant === 'jwt-noop') {
    // The same bytes on the wire as the MFA variants, so only the server's work differs.
    return { key, headers: { ...headers, 'x-session-token': `mfa_${randomBytes(32).toString('base64url')}` }, close: async () => {} };
  }
  const redis = variant.endsWith('-redis') ? await connectRedis() : null;
  const prefix = `mfakit-bench:${process.pid}:${randomBytes(4).toString('hex')}:`;
  if (variant === 'floor-memory' || variant === 'floor-redis') {
    const { floor, token } = redis ? await redisFloor(redis.admin, redis.mget, prefix, BENCH_USER) : memoryFloor(BENCH_USER);
    return {
      key,
      headers: { ...headers, 'x-session-token': token },
      floor,
      close: async () => {
        await floor.close();
        await redis?.close();
      },
    };
  }
  const mfa = createMfa({
    issuer: 'mfakit-bench',
    encryptionKeys: `bench:${randomBytes(32).toString('base64')}`,
    stores: redis ? { factors: new MemoryStore(), state: new RedisStateStore(redis.client, { prefix }) } : undefined,
  });
  const sessionToken = await openSession(mfa);
  return {
    key,
    headers: { ...headers, 'x-session-token': sessionToken },
    mfa,
    close: async () => {
      if (!redis) return;
      await deleteKeys(redis.admin, prefix);
      await redis.close();
    },
  };
}

/** Enrolls a TOTP factor through the core and confirms it: the confirmation opens the session. */
async function openSession(mfa: Mfa): Promise<string> {
  const req = { user: { id: BENCH_USER } };
  const started = await mfa.startEnrollment(req, 'totp');
  if (!started.ok) throw new Error(`enrollment failed: ${started.problem.code}`);
  const confirmed = await mfa.confirmEnrollment(req, 'totp', started.value.factorId, totpCode(started.value.secret, systemClock));
  if (!confirmed.ok) throw new Error(`confirmation failed: ${confirmed.problem.code}`);
  return confirmed.value.session.sessionToken;
}

/** The Redis of a variant: the client measured (the store's, and the floor's MGET), and an ioredis connection to set up and clean up. */
interface BenchRedis {
  client: RedisClient;
  mget(keys: string[]): Promise<(string | null)[]>;
  admin: Redis;
  close(): Promise<void>;
}

/**
 * The measured client as the README configures it for production, node-redis 5 by default (half
 * ioredis' CPU per command: BENCHMARKS.md, "Redis clients"), or with `BENCH_REDIS_CLIENT=ioredis`
 * ioredis with a command timeout, one retry, no offline queue and auto-pipelining
 * (`BENCH_REDIS_AUTOPIPELINING=0` turns it off to compare).
 */
async function connectRedis(): Promise<BenchRedis> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  if (process.env.BENCH_REDIS_CLIENT === 'ioredis') {
    const client = new Redis(REDIS_URL, {
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
      enableAutoPipelining: process.env.BENCH_REDIS_AUTOPIPELINING !== '0',
    });
    await client.connect();
    return { client, mget: (keys) => client.mget(...keys), admin, close: async () => void (await Promise.all([client.quit(), admin.quit()])) };
  }
  const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
  client.on('error', (err: Error) => console.error(`redis: ${err.message}`));
  await client.connect();
  return { client, mget: (keys) => client.mGet(keys), admin, close: async () => void (await Promise.all([client.close(), admin.quit()])) };
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
