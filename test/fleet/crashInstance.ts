// An mfakit instance for the SIGKILL tests, run as a process of its own (see crash.ts): it does one
// operation (regenerating recovery codes, confirming an enrollment, rotating the keys) over the
// test's PostgreSQL and Redis, and stops dead right before the store write the parent names, which
// then kills it there. Writes are what count: each PostgreSQL statement but a SELECT or a BEGIN,
// and each StateStore call but a read. Run with `node --import tsx crashInstance.ts`, the input as
// JSON in CRASH_INPUT; prints one line of JSON, `{"stoppedBefore": <step>}` (and waits) or
// `{"finished": {"steps": [...], "outcome": ...}}` (and exits).
import { createMfa, type Mfa, parseEncryptionKeys } from '@mfakit/core';
import type { StateStore } from '@mfakit/core/store';
import { type PgPoolLike, PostgresFactorStore, type SqlClient } from '@mfakit/postgres';
import { RedisStateStore } from '@mfakit/redis';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import type { CrashInput } from './crash';

const input = JSON.parse(process.env.CRASH_INPUT ?? '{}') as CrashInput & { stopAt: number };
const steps: string[] = [];

/** Counts one write; at the one to stop before, says so and never goes on. */
function step(name: string): Promise<void> {
  steps.push(name);
  if (steps.length !== input.stopAt) return Promise.resolve();
  process.stdout.write(`${JSON.stringify({ stoppedBefore: name })}\n`);
  return new Promise(() => {});
}

/** The first words of a statement, without the schema: `DELETE FROM mfakit_recovery_codes`. */
const statementName = (text: string) =>
  text
    .trim()
    .replace(/"[^"]+"\./g, '')
    .replaceAll('"', '')
    .split(/\s+/)
    .slice(0, 3)
    .join(' ');

/** Whether a statement writes: a SELECT reads, and a BEGIN alone changes nothing. */
const writes = (text: string) => !/^\s*(SELECT|BEGIN)\b/i.test(text);

/** A client whose writes are steps. */
function steppingClient(client: SqlClient): SqlClient {
  return {
    query: async (text, params) => {
      if (writes(text)) await step(statementName(text));
      return client.query(text, params);
    },
  };
}

/** The pool, as `PostgresFactorStore` takes one, its statements counted (a transaction's too). */
function steppingPool(pool: Pool): PgPoolLike & { totalCount: number } {
  return {
    get totalCount() {
      return pool.totalCount;
    },
    query: steppingClient(pool).query,
    connect: async () => {
      const client = await pool.connect();
      return { ...steppingClient(client), release: (err?: Error | boolean) => client.release(err) };
    },
  };
}

const STATE_READS = new Set(['get', 'getMany']);

/** The state store, each write a step, named after the method and the kind of key (`state.delete enroll`). */
function steppingState(state: RedisStateStore): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || STATE_READS.has(String(property))) return typeof value === 'function' ? value.bind(target) : value;
      return async (key: string, ...rest: unknown[]) => {
        await step(`state.${String(property)} ${key.split(':')[0]}`); // the key as the core names it, before the store's prefix
        return value.call(target, key, ...rest);
      };
    },
  });
}

/** The operation the parent asked for, as an application would call it. */
async function operate(mfa: Mfa): Promise<unknown> {
  const user = { id: input.userId ?? '' };
  switch (input.operation) {
    case 'regenerate':
      return mfa.regenerateRecoveryCodes({ user, sessionToken: input.sessionToken });
    case 'confirm':
      return mfa.confirmEnrollment({ user }, 'totp', input.factorId ?? '', input.code ?? '');
    case 'rotate':
      return mfa.admin.rotateKeys();
  }
}

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: input.databaseUrl, max: 4 });
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1 });
  const mfa = createMfa({
    issuer: 'mfakit crash test',
    stores: {
      factors: new PostgresFactorStore(steppingPool(pool), { schema: input.schema }),
      state: steppingState(new RedisStateStore(redis, { prefix: input.redisPrefix })),
    },
    encryptionKeys: parseEncryptionKeys(input.encryptionKeys),
    recoveryCodeCost: input.recoveryCodeCost,
  });
  const outcome = await operate(mfa);
  process.stdout.write(`${JSON.stringify({ finished: { steps, outcome } })}\n`);
  redis.disconnect();
  await pool.end();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
