import { stateKeys } from '../lib/keys';
import { denial, type Outcome } from '../outcome';
import type { ResolvedOptions } from '../options';

const LOCK_LEVEL_TTL_MS = 24 * 3600_000; // the backoff steps back to the first a day after the first lock of a series (or on a success); the attempts a day stay bounded by the lock schedule

/**
 * Runs one verification attempt under the account's throttle: all factors of a user together,
 * across sessions and instances (the counters live in the StateStore).
 *
 * The attempt is counted before the proof is checked, so concurrent guesses cannot outrun the
 * count: with `maxFailures` 3, at most 3 proofs are ever checked per lock period. The attempt that
 * reaches the limit without success locks the account for the next backoff step and answers
 * `mfa_locked`; while locked, even a correct proof is refused. A success clears the count and the
 * backoff. Every failure emits `verification.failed` with the problem's code as its reason.
 */
export async function throttled<T>(opts: ResolvedOptions, userId: string, ip: string | undefined, check: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const outcome = await attempt(opts, userId, ip, check);
  if (!outcome.ok) opts.emit({ type: 'verification.failed', userId, at: opts.clock.now(), ip, reason: outcome.problem.code });
  else await Promise.all([opts.state.delete(stateKeys.attempts(userId)), opts.state.delete(stateKeys.lockLevel(userId))]);
  return outcome;
}

async function attempt<T>(opts: ResolvedOptions, userId: string, ip: string | undefined, check: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const { state, clock, throttle } = opts;
  const lockedUntil = Number(await state.get(stateKeys.lock(userId)));
  if (lockedUntil > clock.now()) return locked(lockedUntil - clock.now());
  const count = await state.increment(stateKeys.attempts(userId), throttle.windowMs);
  if (count > throttle.maxFailures) return locked(throttle.backoffMs[0]!);

  const result = await check();
  if (result.ok || count < throttle.maxFailures) return result;
  const level = await state.increment(stateKeys.lockLevel(userId), LOCK_LEVEL_TTL_MS);
  const durationMs = throttle.backoffMs[Math.min(level, throttle.backoffMs.length) - 1]!;
  const until = clock.now() + durationMs;
  await state.set(stateKeys.lock(userId), String(until), durationMs);
  await state.delete(stateKeys.attempts(userId));
  opts.emit({ type: 'account.locked', userId, at: clock.now(), ip, until, level });
  return locked(durationMs);
}

function locked(ms: number) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return denial('mfa_locked', `Too many failed attempts; try again in ${seconds} seconds.`, { 'Retry-After': String(seconds), 'Cache-Control': 'no-store' });
}
