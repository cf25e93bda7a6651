import type { ProfileSummary } from '../../http/lib/profile';

const TOP = 8;

/**
 * One line for a note: where a profiled process spent its CPU per request, by package and by
 * function (self time, µs per request, the most first).
 */
export function describeProfile(summary: ProfileSummary, file: string): string {
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, us]) => `${name} ${us.toFixed(1)}`)
      .join(', ');
  return `profile ${file}: busy CPU ${summary.perRequest.toFixed(1)} us/req under the profiler over ${summary.requests} requests; by package, us/req: ${top(summary.packages)}; by function (self): ${top(summary.functions)}`;
}
