// The CPU time PostgreSQL spends for the suite: the backends serving the suite's pool (found by its
// application_name in pg_stat_activity), read from /proc as bench/http reads its servers'. Only
// when the server runs on this machine (and /proc is readable); otherwise null, and the notes say so.
import type { Pool } from 'pg';
import { cpuTimeMs } from '../../http/lib/cpuTime';

export const APPLICATION_NAME = 'mfakit-bench-postgres';

/** Starts counting; `stop()` answers the ms of CPU the pool's backends used since, or null. */
export async function watchDatabaseCpu(pool: Pool): Promise<{ stop(): Promise<number | null> }> {
  const before = new Map<number, number>();
  for (const pid of await backends(pool)) {
    const ms = cpuTimeMs(pid);
    if (ms !== null) before.set(pid, ms);
  }
  return {
    async stop() {
      let used = 0;
      let seen = false;
      for (const pid of await backends(pool)) {
        const ms = cpuTimeMs(pid);
        if (ms === null) continue;
        seen = true;
        used += ms - (before.get(pid) ?? 0); // a backend started since: all of its time
      }
      return seen ? used : null;
    },
  };
}

async function backends(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APPLICATION_NAME]);
  return (rows as { pid: number }[]).map((row) => Number(row.pid));
}

/** '123 ms', or words saying it could not be read. */
export const describeCpu = (ms: number | null) => (ms === null ? 'not readable here' : `${ms.toFixed(0)} ms`);
