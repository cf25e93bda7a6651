/**
 * One line of `bench/results/latest.json`. A plain measurement has `name`, `value` and `unit`; a
 * comparison also names its `baseline` (the measurement it is divided by, in the same run), the
 * `ratio` (value / baseline's value, or the median of per-round ratios), the `target` it must meet
 * and whether it did (`met`). `direction` says which way is good.
 */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  baseline?: string;
  ratio?: number;
  /** e.g. '>= 0.97' or '<= 1.2', a ratio; or '<= 1 us' for an absolute target. */
  target?: string;
  met?: boolean;
  /** Words on how it was measured or why a target was missed (with the profile's file). */
  note?: string;
  /**
   * How far the rounds scatter, in `unit`, for a value that is the median of per-round values:
   * their interquartile range (`low`, the 25th percentile; `high`, the 75th) and `min`/`max`,
   * over `rounds` rounds. A target is only as meaningful as `high - low` is small beside it.
   */
  spread?: { low: number; high: number; min: number; max: number; rounds: number };
}

/** A group of benchmarks: runs and answers its measurements. `quick` must finish in well under a minute. */
export type Suite = (options: { quick: boolean; log: (line: string) => void }) => Promise<Measurement[]>;

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `spread` of per-round values (see `Measurement`), rounded to `digits`. */
export function spreadOf(values: number[], digits = 1): NonNullable<Measurement['spread']> {
  const sorted = [...values].sort((a, b) => a - b);
  // Linear interpolation between the nearest ranks, as numpy's default percentile does.
  const at = (p: number) => {
    const rank = (sorted.length - 1) * p;
    const below = Math.floor(rank);
    return sorted[below]! + (sorted[Math.min(below + 1, sorted.length - 1)]! - sorted[below]!) * (rank - below);
  };
  return { low: round(at(0.25), digits), high: round(at(0.75), digits), min: round(sorted[0]!, digits), max: round(sorted[sorted.length - 1]!, digits), rounds: values.length };
}

/** A comparison against a ratio target: `atLeast` for throughput, `atMost` for cost. */
export function compared(name: string, value: number, unit: string, baseline: string, ratio: number, bound: { atLeast: number } | { atMost: number }, note?: string): Measurement {
  const met = 'atLeast' in bound ? ratio >= bound.atLeast : ratio <= bound.atMost;
  const target = 'atLeast' in bound ? `>= ${bound.atLeast}` : `<= ${bound.atMost}`;
  return { name, value, unit, baseline, ratio: round(ratio, 3), target, met, ...(note ? { note } : {}) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
