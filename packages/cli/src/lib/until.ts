import type { ExemptionInput } from '@mfakit/core';
import { UsageError } from './usageError';

// The core's Duration as a string (`30m`, `12h`, `7d`), which the core turns into a time.
const DURATION = /^(\d+(?:\.\d+)?)([smhd])$/;
// Date.parse alone accepts almost anything ('7' is the year 2001 in V8); insist on ISO 8601's
// shape: a date, optionally a time with seconds, fraction and a zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--until`: a duration from now (the core's Duration: `30m`, `12h`, `7d`), which the core adds
 * to its clock, or an ISO 8601 date or time (a bare date is midnight UTC). Whether it is in the
 * future and within a year the core decides. Throws `UsageError`.
 */
export function parseUntil(text: string): Pick<ExemptionInput, 'expiresAt' | 'expiresIn'> {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) {
    if (Number(duration[1]) === 0) throw new UsageError(`--until ${value} is now: give a duration of at least 1${duration[2]}`);
    return { expiresIn: value };
  }
  const ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--until must be an ISO 8601 date or time (2026-12-01, 2026-12-01T09:00:00Z) or a duration such as 30m, 12h or 7d; got ${JSON.stringify(text)}`);
  }
  return { expiresAt: ms };
}
