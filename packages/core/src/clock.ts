/**
 * A source of the current time in milliseconds since the epoch; injected so tests can move time.
 * Every expiry mfakit judges (sessions, codes, locks, exemptions, TOTP steps) reads this clock.
 *
 * @example
 * let now = Date.parse('2026-01-01T00:00:00Z');
 * const clock: Clock = { now: () => now };
 * const mfa = createMfa({ issuer: 'Acme', clock });
 * now += 31_000; // the next TOTP step
 */
export interface Clock {
  /** The current time in milliseconds since the epoch, as `Date.now()` answers it. */
  now(): number;
}

/** The wall clock (`Date.now()`): the default of `MfaOptions.clock` and of `MemoryStore`. */
export const systemClock: Clock = { now: () => Date.now() };
