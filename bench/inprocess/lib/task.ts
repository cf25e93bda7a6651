import type { Measurement } from '../../lib/measurement';

/** One measurement group, run in its own worker process (`worker.ts`). */
export interface Task {
  /** Extra `node` flags for its worker, e.g. a larger heap. */
  flags?: string[];
  /** Measures; `quick` keeps the whole in-process suite under about 20 seconds. */
  run(options: { quick: boolean }): Promise<Measurement[]>;
  /**
   * Sets up (and warms up) mfakit's side of the measurement named `name` and answers the work to
   * profile, which runs for about `seconds`. For a CPU profile when a target is missed; absent
   * when a CPU profile would not explain the miss.
   */
  profile?(name: string, seconds: number): Promise<() => Promise<void>>;
}

/** Runs `op(0), op(1), ...` for about `seconds` (looking at the clock every 100 calls), at most `limit` times. */
export async function runFor(seconds: number, op: (i: number) => unknown, limit = Infinity): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (let i = 0; i < limit && (i % 100 !== 0 || Date.now() < end); i++) {
    const result = op(i);
    if (result instanceof Promise) await result;
  }
}
