// Administration at scale on PostgreSQL (`pnpm bench postgres`): in a throwaway schema on the
// server at DATABASE_URL, seed 100,000 users and 100,000 TOTP factors (10,000 with --quick;
// lib/seed.ts), then measure
//   - report.postgres.100k_users.ms: `mfa.admin.report(users)` over the application's users and
//     the store (PostgresFactorStore), wall time, the median of a few calls; its totals are checked
//     against the seeded population. Target: at most 2,000 ms.
//   - rotate.postgres.100k_factors.s: `mfa.admin.rotateKeys()` with a new first key, every factor
//     stale: each secret decrypted and re-encrypted, swapped by compare-and-set. Target: at most
//     60 s, the heap flat (lib/heap.ts: what the heap keeps stays bounded by a batch, whatever the
//     number of factors). Every factor is then checked to be under the new key, and a sample to
//     decrypt under the new key alone.
// The schema is dropped at the end, also on failure or Ctrl-C. BENCH_POSTGRES_USERS overrides the count.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createMfa, type Mfa, MemoryStore } from '@mfakit/core';
import { PostgresFactorStore, type TableNames } from '@mfakit/postgres';
import { Pool } from 'pg';
import { contextOf } from '../../packages/core/src/createMfa';
import { tableNames } from '../../packages/postgres/src/lib/tables';
import { otpSecretContext } from '../../packages/core/src/totp/otp';
import { median, type Measurement, round, type Suite } from '../lib/measurement';
import { APPLICATION_NAME, describeCpu, watchDatabaseCpu } from './lib/databaseCpu';
import { type HeapWatch, watchHeap } from './lib/heap';
import { isService, type Population, seed } from './lib/seed';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPORT_TARGET_MS = 2000;
const ROTATE_TARGET_S = 60;
const K1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const K2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const silent = { warn: () => {}, error: (message: string) => console.error(message) };
const SAMPLE = 200; // factors decrypted under the new key alone after the rotation

const suite = (async ({ quick, log }) => {
  const count = Number(process.env.BENCH_POSTGRES_USERS ?? (quick ? 10_000 : 100_000));
  const label = count >= 1000 && count % 1000 === 0 ? `${count / 1000}k` : String(count);
  // Idle connections stay open, so that the backends whose CPU is counted live through each measurement.
  const pool = new Pool({ connectionString: DATABASE_URL, max: 10, idleTimeoutMillis: 0, application_name: APPLICATION_NAME });
  const schema = `mfakit_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const t = tableNames({ schema });
  const state = new MemoryStore();
  const drop = () => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const interrupted = () => void drop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const store = new PostgresFactorStore(pool, { schema });
    await store.migrate();
    const mfaOf = (keys: (typeof K1)[]) =>
      createMfa({ issuer: 'Acme', stores: { factors: store, state }, encryptionKeys: keys, logger: silent, policy: { required: { roles: ['employee'] } }, exempt: isService });
    const mfa = mfaOf([K1]);
    let t0 = performance.now();
    const population = await seed(pool, t, contextOf(mfa).keyRing, count, Date.now());
    log(`seeded ${count.toLocaleString('en')} users and ${population.factors.toLocaleString('en')} TOTP factors in schema ${schema} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const report = await measureReport(pool, mfa, population, quick ? 3 : 5, log);
    t0 = performance.now();
    const rotation = await measureRotation(pool, mfaOf([K2, K1]), population, log);
    await checkRotation(pool, t, mfaOf([K2]), population);
    log(`checked: every factor under k2, ${SAMPLE} of them decrypt under k2 alone (${((performance.now() - t0) / 1000).toFixed(1)} s with the rotation)`);
    return [
      {
        name: `report.postgres.${label}_users.ms`,
        value: round(report.ms, 0),
        unit: 'ms',
        target: `<= ${REPORT_TARGET_MS} ms`,
        met: report.ms <= REPORT_TARGET_MS,
        note: report.note,
      },
      {
        name: `rotate.postgres.${label}_factors.s`,
        value: round(rotation.seconds, 2),
        unit: 's',
        target: `<= ${ROTATE_TARGET_S} s, heap flat`,
        met: rotation.seconds <= ROTATE_TARGET_S && rotation.heap.flat,
        note: rotation.note,
      },
    ] satisfies Measurement[];
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await drop().catch((err: unknown) => log(`dropping schema ${schema}: ${(err as Error).message}`));
    state.close();
    await pool.end();
  }
}) satisfies Suite;

/**
 * The report, `rounds` times, after one call that is not counted (V8 compiles the code on the
 * way): the median wall time, with this process's CPU time and PostgreSQL's beside it; the
 * totals checked every time.
 */
async function measureReport(pool: Pool, mfa: Mfa, population: Population, rounds: number, log: (line: string) => void): Promise<{ ms: number; note: string }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  const dbCpus: (number | null)[] = [];
  for (let round = -1; round < rounds; round += 1) {
    const db = await watchDatabaseCpu(pool);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const report = await mfa.admin.report(population.users);
    const wall = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const dbCpu = await db.stop();
    if (JSON.stringify(report.totals) !== JSON.stringify(population.totals)) {
      throw new Error(`report totals ${JSON.stringify(report.totals)}, expected ${JSON.stringify(population.totals)}`);
    }
    if (report.users.length !== population.users.length) throw new Error(`report has ${report.users.length} users, expected ${population.users.length}`);
    if (round < 0) continue;
    walls.push(wall);
    cpus.push((used.user + used.system) / 1000);
    dbCpus.push(dbCpu);
  }
  const ms = median(walls);
  const dbCpu = dbCpus.includes(null) ? null : median(dbCpus as number[]);
  const figures = `${walls.map((w) => w.toFixed(0)).join(', ')} ms; CPU a call: Node ${median(cpus).toFixed(0)} ms, PostgreSQL ${describeCpu(dbCpu)}`;
  log(`report: ${figures}`);
  const note = `median of ${rounds} calls (${figures}), ${population.users.length.toLocaleString('en')} users, ${population.factors.toLocaleString('en')} factors; totals checked`;
  return { ms, note };
}

/** rotateKeys over every factor, with the heap watched (the time of the forced collections taken out). */
async function measureRotation(pool: Pool, mfa: Mfa, population: Population, log: (line: string) => void): Promise<{ seconds: number; heap: HeapWatch; note: string }> {
  const db = await watchDatabaseCpu(pool);
  const watch = watchHeap();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await mfa.admin.rotateKeys();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const heap = watch.stop();
  const dbCpu = await db.stop();
  const seconds = (wall - heap.collectMs) / 1000;
  if (result.rotated !== population.factors || result.total !== population.factors) {
    throw new Error(`rotateKeys answered ${JSON.stringify(result)}, expected ${population.factors} rotated`);
  }
  const cpuS = (used.user + used.system - heap.collectMs * 1000) / 1e6;
  const figures = `CPU: Node ${cpuS.toFixed(1)} s, PostgreSQL ${dbCpu === null ? describeCpu(null) : `${(dbCpu / 1000).toFixed(1)} s`}; heap ${heap.summary}`;
  log(`rotateKeys: ${result.rotated.toLocaleString('en')} secrets in ${seconds.toFixed(2)} s; ${figures}`);
  const note = `${result.rotated.toLocaleString('en')} TOTP secrets decrypted, re-encrypted under k2 and swapped by compare-and-set, batches of 500; ${figures}`;
  return { seconds, heap, note };
}

/** Every factor under the new key, and a sample decrypting under the new key alone. */
async function checkRotation(pool: Pool, t: TableNames, mfa: Mfa, population: Population): Promise<void> {
  const { rows } = await pool.query(`SELECT count(*) FILTER (WHERE secret LIKE 'v1:k2:%') AS k2, count(*) AS total FROM ${t.factors}`);
  const { k2, total } = rows[0] as { k2: string; total: string };
  if (Number(k2) !== population.factors || Number(total) !== population.factors) throw new Error(`${k2} of ${total} factors under k2 after the rotation`);
  const sample = await pool.query(`SELECT user_id, id, secret FROM ${t.factors} ORDER BY random() LIMIT ${SAMPLE}`);
  const keyRing = contextOf(mfa).keyRing;
  for (const row of sample.rows as { user_id: string; id: string; secret: string }[]) {
    if (!/^[A-Z2-7]{32}$/.test(keyRing.decrypt(row.secret, otpSecretContext(row.user_id, row.id)))) throw new Error(`factor ${row.id} decrypts to something else`);
  }
}

export default suite;
