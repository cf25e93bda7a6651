import { clientKey } from '../lib/address';
import { stateKeys } from '../lib/keys';
import { denial, type Outcome } from '../outcome';
import type { MfaContext } from '../context';

/** The ports and settings the throttle needs: a part of the core's context. */
export type ThrottlePorts = Pick<MfaContext, 'state' | 'clock' | 'throttle' | 'emit'>;

const LOCK_LEVEL_TTL_MS = 24 * 3600_000; // the backoff steps back to the first a day after the first lock of a series (or on a success)
// The failure streak has no window: only a success, a revocation or an administrator ends it. Its
// key still needs a lifetime in the state store; a month outlasts any guessing the lock allows.
const STREAK_TTL_MS = 30 * 24 * 3600_000;
const WARNING_FRACTION = 5; // the user and the administrators are told at a fifth of the limit

/**
 * What is being proved, which decides what the throttle counts and refuses:
 * - `code`: a TOTP, HOTP, email or SMS code: counted, locked, and refused past the failure streak's limit;
 * - `recovery`: a recovery code: counted and locked, but still accepted past the streak's limit,
 *   because it is the way back in (80 random bits: not guessable at any rate the lock allows);
 * - `passkey`: a WebAuthn assertion: a signature, which cannot be guessed, so it is neither
 *   counted nor locked, and an attacker's wrong codes cannot lock the user out of their passkeys.
 */
export type ProofKind = 'code' | 'recovery' | 'passkey';

/**
 * Runs one verification attempt under the throttles: the account's (all factors of a user
 * together, across sessions and instances: the counters live in the StateStore) and the client
 * address's (all accounts together).
 *
 * The attempt is counted before the proof is checked, in one atomic step with the check of the
 * lock ("refuse if locked, else count"), so concurrent guesses on any number of instances cannot
 * outrun it: with `maxFailures` 3, at most 3 proofs are ever checked per lock period. The attempt
 * that reaches the limit without success locks the account for the next backoff step; while locked
 * even a correct proof is refused (`mfa_locked`). Failed codes also add to a streak that only a
 * success ends: at `maxConsecutiveFailures` codes are refused (`mfa_codes_disabled`) until a
 * recovery code, a passkey or an administrator ends it. A success clears every count. Every
 * failure emits `verification.failed` with the problem's code as its reason.
 */
export async function throttled<T>(opts: ThrottlePorts, userId: string, ip: string | undefined, kind: ProofKind, check: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const address = addressCounter(opts, ip);
  const outcome = address && (await addressLimited(opts, address)) ? addressRefused(opts) : kind === 'passkey' ? await check() : await attempt(opts, userId, ip, kind, check);
  if (outcome.ok) {
    await resetThrottle(opts, userId);
    return outcome;
  }
  opts.emit({ type: 'verification.failed', userId, at: opts.clock.now(), ip, reason: outcome.problem.code });
  if (address && checked(outcome.problem.code)) await opts.state.increment(address, opts.throttle.perAddress!.windowMs);
  return outcome;
}

/** Clears the account's counts, locks and failure streak: after a success, a revocation, or an administrator's unlock. */
export async function resetThrottle(opts: ThrottlePorts, userId: string): Promise<void> {
  const keys = [stateKeys.attempts(userId), stateKeys.lockLevel(userId), stateKeys.lock(userId), stateKeys.failureStreak(userId), stateKeys.codeLock(userId)];
  await Promise.all(keys.map((key) => opts.state.delete(key)));
}

async function attempt<T>(opts: ThrottlePorts, userId: string, ip: string | undefined, kind: ProofKind, check: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const { state, clock, throttle } = opts;
  const blockers = kind === 'code' ? [stateKeys.lock(userId), stateKeys.codeLock(userId)] : [stateKeys.lock(userId)];
  const count = await state.incrementUnless(stateKeys.attempts(userId), throttle.windowMs, blockers);
  if (count === null) return refusal(opts, userId, kind);
  if (count > throttle.maxFailures) return locked(throttle.backoffMs[0]!);

  const result = await check();
  if (result.ok) return result;
  await addToStreak(opts, userId, ip);
  if (count < throttle.maxFailures) return result;
  const level = await state.increment(stateKeys.lockLevel(userId), LOCK_LEVEL_TTL_MS);
  const durationMs = throttle.backoffMs[Math.min(level, throttle.backoffMs.length) - 1]!;
  const until = clock.now() + durationMs;
  await state.set(stateKeys.lock(userId), String(until), durationMs);
  await state.delete(stateKeys.attempts(userId));
  opts.emit({ type: 'account.locked', userId, at: clock.now(), ip, until, level });
  return locked(durationMs);
}

/** One more failure since the last success: a warning at a fifth of the limit, codes refused at the limit. */
async function addToStreak(opts: ThrottlePorts, userId: string, ip: string | undefined): Promise<void> {
  const limit = opts.throttle.maxConsecutiveFailures;
  const count = await opts.state.increment(stateKeys.failureStreak(userId), STREAK_TTL_MS);
  const at = opts.clock.now();
  if (count === Math.ceil(limit / WARNING_FRACTION)) opts.emit({ type: 'failures.mounting', userId, at, ip, count, limit });
  if (count < limit) return;
  await opts.state.set(stateKeys.codeLock(userId), String(at), STREAK_TTL_MS);
  if (count === limit) opts.emit({ type: 'codes.disabled', userId, at, ip, count });
}

/**
 * Why a blocked attempt was refused: the timed lock (with its time left), else, for a code, the
 * failure streak. When neither is there any more (a success elsewhere cleared them, or the lock
 * ran out, after the attempt was blocked), the attempt was still refused by a lock: a 429 to try
 * again at once, never `mfa_codes_disabled` for what the streak did not block.
 */
async function refusal(opts: ThrottlePorts, userId: string, kind: ProofKind) {
  const lockedUntil = Number(await opts.state.get(stateKeys.lock(userId)));
  if (lockedUntil > opts.clock.now()) return locked(lockedUntil - opts.clock.now());
  if (kind === 'code' && (await opts.state.get(stateKeys.codeLock(userId))) !== null) {
    return denial('mfa_codes_disabled', 'Too many wrong codes in a row: codes are refused until you sign in with a recovery code or a passkey, or an administrator unlocks the account.');
  }
  return locked(0);
}

function locked(ms: number) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return denial('mfa_locked', `Too many failed attempts; try again in ${seconds} seconds.`, { retryAfter: seconds });
}

/** The address's failure counter, or null when the per-address limit is off or the address unknown. */
function addressCounter(opts: ThrottlePorts, ip: string | undefined): string | null {
  return opts.throttle.perAddress && ip ? stateKeys.addressFailures(clientKey(ip)) : null;
}

async function addressLimited(opts: ThrottlePorts, address: string): Promise<boolean> {
  return Number(await opts.state.get(address)) >= opts.throttle.perAddress!.maxFailures;
}

function addressRefused(opts: ThrottlePorts) {
  // The counter's time left is not known here: its window is the longest wait.
  const seconds = Math.ceil(opts.throttle.perAddress!.windowMs / 1000);
  return denial('rate_limited', 'Too many failed attempts from this address; wait a few minutes.', { retryAfter: seconds });
}

/** A failure that evaluated a proof (as opposed to a refusal that checked nothing): what the address counts. */
const checked = (code: string) => code !== 'mfa_locked' && code !== 'mfa_codes_disabled' && code !== 'rate_limited';
