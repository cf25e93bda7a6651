import { stateKeys } from '../lib/keys';
import type { ResolvedOptions } from '../options';

/** The outcome of one throttled attempt. */
export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

const LOCK_LEVEL_TTL_MS = 24 * 3600_000; // backoff steps back to the first after a day without a lock

/**
 * Runs one verification attempt under the account's throttle: all factors of a user together,
 * across sessions and instances (the counters live in the StateStore).
 *
 * The attempt is counted before the code is checked, so concurrent guesses cannot outrun the
 * count: with `maxFailures` 3, at most 3 codes are ever checked per lock period. The attempt that
 * reaches the limit without success locks the account for the next backoff step; while locked,
 * even a correct code is refused. A success clears the count and the backoff.
 */
export async function throttled<T>(
  opts: ResolvedOptions,
  userId: string,
  ip: string | undefined,
  check: () => Promise<T | null>,
): Promise<Attempt<T>> {
  const { state, clock, throttle } = opts;
  const now = clock.now();
  const lockedUntil = Number(await state.get(stateKeys.lock(userId)));
  if (lockedUntil > now) return locked(lockedUntil - now);

  const attempt = await state.increment(stateKeys.attempts(userId), throttle.windowMs);
  if (attempt > throttle.maxFailures) return locked(throttle.backoffMs[0]!);

  const value = await check();
  if (value !== null) {
    await Promise.all([state.delete(stateKeys.attempts(userId)), state.delete(stateKeys.lockLevel(userId))]);
    return { ok: true, value };
  }
  if (attempt < throttle.maxFailures) return { ok: false, reason: 'invalid' };

  const level = await state.increment(stateKeys.lockLevel(userId), LOCK_LEVEL_TTL_MS);
  const durationMs = throttle.backoffMs[Math.min(level, throttle.backoffMs.length) - 1]!;
  const until = clock.now() + durationMs;
  await state.set(stateKeys.lock(userId), String(until), durationMs);
  await state.delete(stateKeys.attempts(userId));
  opts.emit({ type: 'account.locked', userId, at: clock.now(), ip, until, level });
  return locked(durationMs);
}

function locked(ms: number): Attempt<never> {
  return { ok: false, reason: 'locked', retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
}
