import { readFileSync } from 'node:fs';

/**
 * The resident set size of a process, MiB, from /proc/<pid>/status (`VmRSS`), read from outside
 * the process: the demos need no debug route. Null where there is no /proc (not Linux) or the
 * process is gone.
 */
export function rssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** One process's memory over a run. */
export interface MemoryTrend {
  pid: number;
  /** RSS, MiB, at each sample, from the first. */
  series: number[];
  /** Least-squares slope over the second half of the samples (after warm-up), MiB per minute. */
  growthPerMinute: number;
}

/**
 * Samples the RSS of some processes every `everyMs` until stopped; `stop()` answers each one's
 * series and the slope of its second half, which is flat when nothing leaks.
 *
 * @example
 * const sampler = sampleMemory(fleet.pids, 10_000);
 * await runLoad(...);
 * for (const trend of sampler.stop()) console.log(trend.pid, trend.series, trend.growthPerMinute);
 */
export function sampleMemory(pids: number[], everyMs: number): { stop(): MemoryTrend[] } {
  const series = pids.map(() => [] as number[]);
  const sample = () => {
    for (const [i, pid] of pids.entries()) series[i]!.push(rssMiB(pid) ?? Number.NaN);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return pids.map((pid, i) => ({ pid, series: series[i]!, growthPerMinute: slopePerMinute(series[i]!.slice(Math.floor(series[i]!.length / 2)), everyMs) }));
    },
  };
}

/** The least-squares slope of evenly spaced samples, per minute; 0 for fewer than two. */
function slopePerMinute(values: number[], everyMs: number): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, y) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return Math.round((num / den) * (60_000 / everyMs) * 100) / 100;
}
