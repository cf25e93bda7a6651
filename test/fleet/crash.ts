// SIGKILL at every step: runs an operation of mfakit in a process of its own (crashInstance.ts)
// and kills it right before each of the writes it makes to its stores in turn, for the tests of
// what such a death leaves behind (killed.*.test.ts). Each run works on a scenario of its own
// (a user, or a PostgreSQL schema), so that several runs go at once.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createMfa, type Mfa, type Outcome, parseEncryptionKeys } from '@mfakit/core';
import { PostgresFactorStore } from '@mfakit/postgres';
import { RedisStateStore } from '@mfakit/redis';
import { TEST_RECOVERY_CODE_COST } from '@mfakit/testing';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { OwnDatabase, OwnRedis, withFleetServices } from './harness';

/** Runs killed at once: each mostly waits on its process's start-up. */
const PARALLEL_RUNS = 3;
const REDIS_PREFIX = 'crash:';

/** What the instance does, and over which stores (the test judges the same stores). */
export interface CrashInput {
  /** `regenerate` recovery codes (`userId`, a fresh `sessionToken`), `confirm` a TOTP enrollment (`userId`, `factorId`, `code`), or `rotate` the keys. */
  operation: 'regenerate' | 'confirm' | 'rotate';
  databaseUrl: string;
  /** The PostgreSQL schema of the factor store, migrated already. */
  schema: string;
  redisUrl: string;
  redisPrefix: string;
  /** In the `MFA_ENCRYPTION_KEYS` form, `kid:base64key,...`, the current key first. */
  encryptionKeys: string;
  recoveryCodeCost: number;
  userId?: string;
  sessionToken?: string;
  factorId?: string;
  code?: string;
}

/** What one run came to: killed right before the write named, or finished, with every write it made and the operation's outcome. */
export type CrashRun = { killedBefore: string } | { finished: { steps: string[]; outcome: unknown } };

/** The value of a success; throws with the problem's code otherwise. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected a success, got ${outcome.problem.code}: ${outcome.problem.detail}`);
  return outcome.value;
}

/** A new encryption key in the `MFA_ENCRYPTION_KEYS` form. */
export const newKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/**
 * The stores of one test file, a Redis server and a PostgreSQL database of its own, and mfakit
 * over them as the killed instances have it.
 */
export class CrashStores {
  private constructor(
    private readonly redis: OwnRedis,
    private readonly database: OwnDatabase,
    private readonly pool: Pool,
    private readonly client: Redis,
  ) {}

  static async open(): Promise<CrashStores> {
    const [redis, database] = await Promise.all([OwnRedis.start(), OwnDatabase.create()]);
    const stores = new CrashStores(redis, database, new Pool({ connectionString: database.url, max: 8 }), redis.client());
    await stores.factors('public').migrate();
    return stores;
  }

  async close(): Promise<void> {
    this.client.disconnect();
    await this.pool.end();
    await Promise.all([this.redis.close(), this.database.drop()]);
  }

  /** A new schema, migrated: for a scenario that reads every factor (key rotation). */
  async newSchema(): Promise<string> {
    const schema = `s_${randomBytes(6).toString('hex')}`;
    await this.factors(schema).migrate();
    return schema;
  }

  /** The factor store in `schema`. */
  factors(schema: string): PostgresFactorStore {
    return new PostgresFactorStore(this.pool, { schema });
  }

  /** mfakit over the stores, with these keys (`kid:base64key,...`), as an instance that stayed alive. */
  mfa(schema: string, encryptionKeys: string): Mfa {
    return createMfa({
      issuer: 'mfakit crash test',
      stores: { factors: this.factors(schema), state: new RedisStateStore(this.client, { prefix: REDIS_PREFIX }) },
      encryptionKeys: parseEncryptionKeys(encryptionKeys),
      recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    });
  }

  /** The input of an instance doing `operation` over the same stores. */
  input(operation: CrashInput['operation'], schema: string, encryptionKeys: string, details: Pick<CrashInput, 'userId' | 'sessionToken' | 'factorId' | 'code'> = {}): CrashInput {
    const { database, redis } = this;
    return { operation, databaseUrl: database.url, schema, redisUrl: redis.url, redisPrefix: REDIS_PREFIX, encryptionKeys, recoveryCodeCost: TEST_RECOVERY_CODE_COST, ...details };
  }
}

/**
 * The test of a killed.*.test.ts, run where Redis and PostgreSQL are there (skipped, and said so,
 * where not): `body` gets the file's CrashStores, opened before it and closed after it.
 */
export function testKilled(name: string, body: (stores: CrashStores) => Promise<void>, timeout: number): void {
  withFleetServices(() => {
    let stores: CrashStores | undefined;
    beforeAll(async () => {
      stores = await CrashStores.open();
    }, 60_000);
    afterAll(async () => {
      await stores?.close();
    }, 30_000);
    test(name, () => body(stores!), timeout);
  });
}

/**
 * Runs the operation in a new process; with `stopAt` N > 0, kills it (SIGKILL) when it stops right
 * before its N-th write. Rejects when the process ends otherwise, with what it wrote.
 */
export function runInstance(input: CrashInput, stopAt: number): Promise<CrashRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crashInstance.ts')], {
    cwd: path.join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH, CRASH_INPUT: JSON.stringify({ ...input, stopAt }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let run: CrashRun | undefined;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^(\{.*\})\n/m.exec(output); // a whole line
      if (run || !line) return;
      const said = JSON.parse(line[1]!) as { stoppedBefore: string } | { finished: { steps: string[]; outcome: unknown } };
      if ('stoppedBefore' in said) {
        run = { killedBefore: said.stoppedBefore };
        child.kill('SIGKILL');
      } else run = said;
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (run && ('killedBefore' in run ? signal === 'SIGKILL' : code === 0)) resolve(run);
      else reject(new Error(`the crash instance ended with ${signal ?? code} (stop before write ${stopAt}):\n${output}`));
    });
  });
}

/**
 * Runs the operation to its end once, then once more killed right before each of its writes in
 * turn, each run on a scenario of its own made by `prepare` (run 0 is the one left to finish).
 * `check` judges what each run left behind. Answers the writes of the finished run, in order.
 */
export async function killAtEveryWrite<S>(prepare: (run: number) => Promise<{ scenario: S; input: CrashInput }>, check: (scenario: S, run: CrashRun) => Promise<void>): Promise<string[]> {
  const whole = await prepare(0);
  const finished = await runInstance(whole.input, 0);
  if (!('finished' in finished)) throw new Error(`a run without a stop was killed before ${finished.killedBefore}`);
  await check(whole.scenario, finished);
  const writes = finished.finished.steps;
  const stops = writes.map((_, index) => index + 1);
  const killedBefore: string[] = [];
  let failure: Error | undefined; // the first; after it, the other workers finish their run and start no other
  const killAt = async (stopAt: number) => {
    const prepared = await prepare(stopAt);
    const run = await runInstance(prepared.input, stopAt);
    if (!('killedBefore' in run)) throw new Error(`run ${stopAt} of ${writes.length} finished instead of stopping before ${writes[stopAt - 1]}`);
    killedBefore.push(run.killedBefore);
    await check(prepared.scenario, run).catch((err: Error) => {
      throw new Error(`killed before write ${stopAt} of ${writes.length} (${run.killedBefore}): ${err.message}`);
    });
  };
  const worker = async () => {
    for (let stopAt = stops.shift(); stopAt !== undefined && !failure; stopAt = stops.shift()) await killAt(stopAt).catch((err: Error) => (failure ??= err));
  };
  await Promise.all(Array.from({ length: PARALLEL_RUNS }, worker));
  if (failure) throw failure;
  expect(killedBefore.sort()).toEqual([...writes].sort()); // each write was a place of death once
  return writes;
}
