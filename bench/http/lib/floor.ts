import { hash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The least any MFA session check must do per request, for the `floor-*` variants: what
 * requireMfa's cost is set against. Both hash the token (the token itself is never stored, so
 * each request hashes what it presents) and read one record by that hash. `floor-memory` reads it
 * from a Map; `floor-redis` from Redis in one MGET (the session and the user's revocation mark,
 * which a store must read too, or revoking a user would not end its sessions), on the client the
 * store of `mfa-redis` uses (node-redis, or ioredis with auto-pipelining), and parses the JSON it
 * gets. Neither refreshes an idle timer,
 * judges a requirement or builds a state for the handler: those are mfakit's own work.
 */
export interface Floor {
  /** True when `token` is a live session of `userId`; at once (memory) or after one round trip (Redis). */
  check(token: string | undefined, userId: string): boolean | Promise<boolean>;
  /** Ends every session, as revoking the user does: the suite checks that the floor honours it too. */
  revoke(): Promise<void>;
  /** Removes what it stored. */
  close(): Promise<void>;
}

interface FloorRecord {
  userId: string;
  expiresAt: number;
}

const SESSION_TTL_MS = 3_600_000; // outlives any run

const tokenHash = (token: string) => hash('sha256', token, 'hex');

/** A session token for `userId` kept in a Map: one SHA-256 and one Map lookup per check. */
export function memoryFloor(userId: string): { floor: Floor; token: string } {
  const token = newToken();
  const sessions = new Map<string, FloorRecord>([[tokenHash(token), { userId, expiresAt: Date.now() + SESSION_TTL_MS }]]);
  const floor: Floor = {
    check(presented, user) {
      if (presented === undefined) return false;
      const record = sessions.get(tokenHash(presented));
      return record !== undefined && record.userId === user && Date.now() < record.expiresAt;
    },
    async revoke() {
      sessions.clear();
    },
    async close() {},
  };
  return { floor, token };
}

/** A session token for `userId` kept in Redis under `prefix` (set with `redis`): one SHA-256 and one `mget` per check. */
export async function redisFloor(redis: Redis, mget: (keys: string[]) => Promise<(string | null)[]>, prefix: string, userId: string): Promise<{ floor: Floor; token: string }> {
  const token = newToken();
  const keys = (user: string, presented: string) => [`${prefix}session:{${user}}:${tokenHash(presented)}`, `${prefix}revoked:{${user}}`] as const;
  const [sessionKey, revokedKey] = keys(userId, token);
  const record: FloorRecord = { userId, expiresAt: Date.now() + SESSION_TTL_MS };
  await redis.set(sessionKey, JSON.stringify(record), 'PX', SESSION_TTL_MS);
  const floor: Floor = {
    check(presented, user) {
      if (presented === undefined) return false;
      const [session, revoked] = keys(user, presented);
      return mget([session, revoked]).then((values) => {
        const raw = values[0];
        if (!raw || values[1] !== null) return false;
        const found = JSON.parse(raw) as FloorRecord;
        return found.userId === user && Date.now() < found.expiresAt;
      });
    },
    async revoke() {
      await redis.set(revokedKey, String(Date.now()), 'PX', SESSION_TTL_MS);
    },
    async close() {
      await redis.del(sessionKey, revokedKey);
    },
  };
  return { floor, token };
}

/** A token shaped as mfakit's (`mfa_` and 43 base64url characters): the same bytes on the wire. */
const newToken = () => `mfa_${randomBytes(32).toString('base64url')}`;
