import { UsageError } from './usageError';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,6})([mhd])$/;
// Date.parse alone accepts almost anything ('7' is the year 2001 in V8); insist on ISO 8601's
// shape: a date, optionally a time with seconds, fraction and a zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--until`: a duration from `now` (`30m`, `12h`, `7d`, the core's Duration units of minutes and
 * up) or an ISO 8601 date or time (a bare date is midnight UTC). Milliseconds since the epoch;
 * whether it is in the future and within a year the core decides. Throws `UsageError`.
 */
export function parseUntil(text: string, now: number): number {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) {
    const amount = Number(duration[1]);
    if (amount === 0) throw new UsageError(`--until ${value} is now: give a duration of at least 1${duration[2]}`);
    return now + amount * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  }
  const ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--until must be an ISO 8601 date or time (2026-12-01, 2026-12-01T09:00:00Z) or a duration such as 30m, 12h or 7d; got ${JSON.stringify(text)}`);
  }
  return ms;
}
