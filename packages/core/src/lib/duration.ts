import { MfaError } from '../errors';

/**
 * A duration: a number of seconds (fractions allowed), or a string of a number and one unit
 * (`s`, `m`, `h`, `d`), such as `'30s'`, `'5m'`, `'12h'`, `'7d'`. A malformed or negative one
 * throws `MfaError` `invalid_option` at start-up, as does an option duration under one second.
 *
 * @example
 * createMfa({ issuer: 'Acme', session: { lifetime: '8h', idleTimeout: 900 } });
 */
export type Duration = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A Duration in milliseconds, or null when the value is not one. */
export function durationMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] * 1000) : null;
}

/** Converts a Duration to milliseconds, or throws `invalid_option` naming the option. */
export function toMs(value: unknown, option: string): number {
  const ms = durationMs(value);
  if (ms !== null) return ms;
  throw new MfaError('invalid_option', `${option} must be a number of seconds or a string like '5m', got ${JSON.stringify(value)}`);
}
