import { stateKeys } from '../lib/keys';
import { randomId, safeEqual } from '../lib/random';
import { type Outcome, denial, success } from '../outcome';
import type { OobMessage } from '../options';
import type { MfaUser } from '../request';
import type { MfaContext } from '../context';
import type { OobFactorRecord } from '../store/types';

/** The ports and settings codes by email or SMS need: a part of the core's context. */
export type OobPorts = Pick<MfaContext, 'oob' | 'keyRing' | 'state' | 'clock' | 'randomBytes'>;

/** What the client is told when a code was sent. Never the code or the full destination. */
export interface OobChallenge {
  /** The factor the code is for; send it with the code to `verify` or `confirmOobEnrollment`. */
  factorId: string;
  /** Where the code went: `email` or `sms`. */
  channel: 'email' | 'sms';
  /** The destination masked: 'a***@example.com'. */
  hint: string;
  /** When the code lapses (ms since the epoch). */
  expiresAt: number;
}

const CODE_DIGITS = 6;
const DAY_MS = 24 * 3600_000; // the span of the per-user and per-destination send limits
const UINT32_LIMIT = 4_294_000_000; // the largest multiple of 10^6 below 2^32: no modulo bias
const EMAIL = /^[^\s@<>(),;:"[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const PHONE = /^\+[1-9]\d{6,14}$/; // E.164

/** The RFC 8176 method of a proof by each channel ("sms"; email has no registered value). */
export const OOB_AMR = { email: ['email'], sms: ['sms'] } as const;

/** The associated data that binds an encrypted destination (or code) to its user and factor. */
export const oobSecretContext = (userId: string, factorId: string) => `mfakit:oob:${userId}:${factorId}`;
const codeContext = (userId: string, factorId: string) => `mfakit:oob-code:${userId}:${factorId}`;

/** The destination in its canonical form, or null when it is not one: a lower-case-domain email, or an E.164 number. */
export function destinationOf(channel: 'email' | 'sms', value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (channel === 'sms') {
    const phone = trimmed.replace(/[\s().-]/g, '');
    return PHONE.test(phone) ? phone : null;
  }
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) return null;
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** The destination as the page may show it. */
export function hintOf(channel: 'email' | 'sms', destination: string): string {
  if (channel === 'sms') return `+${'*'.repeat(destination.length - 5)}${destination.slice(-4)}`;
  const at = destination.lastIndexOf('@');
  return `${destination[0]}***${destination.slice(at)}`;
}

/** A new pending out-of-band factor (not stored yet). */
export function pendingOobFactor(opts: OobPorts, user: MfaUser, channel: 'email' | 'sms', destination: string, label: string): OobFactorRecord {
  const id = randomId(opts.randomBytes, 'fac');
  return {
    id,
    userId: user.id,
    kind: 'oob',
    channel,
    label,
    createdAt: opts.clock.now(),
    secret: opts.keyRing.encrypt(destination, oobSecretContext(user.id, id)),
    hint: hintOf(channel, destination),
    counter: 0,
  };
}

/**
 * Sends a new code to a factor's destination; a code sent before is void. Refused with 429
 * `rate_limited` beyond `maxSends` per factor in `sendWindow`, `maxSendsPerUser` per user and
 * `maxSendsPerDestination` per address or number in a day (counted in that order: a send refused
 * by one limit does not count against the next). Sending never touches the failure count.
 */
export async function sendCode(opts: OobPorts, factor: OobFactorRecord, purpose: OobMessage['purpose']): Promise<Outcome<OobChallenge>> {
  const oob = opts.oob!;
  const to = opts.keyRing.decrypt(factor.secret, oobSecretContext(factor.userId, factor.id));
  const limits = [
    { key: stateKeys.oobSends(factor.userId, factor.id), max: oob.maxSends, windowMs: oob.sendWindowMs, what: 'to this factor' },
    { key: stateKeys.oobUserSends(factor.userId), max: oob.maxSendsPerUser, windowMs: DAY_MS, what: 'to this account' },
    { key: stateKeys.oobDestinationSends(opts.keyRing.fingerprint(to, 'oob-destination')), max: oob.maxSendsPerDestination, windowMs: DAY_MS, what: 'to this address or number' },
  ];
  for (const { key, max, windowMs, what } of limits) {
    if ((await opts.state.increment(key, windowMs)) > max) {
      return denial('rate_limited', `At most ${max} codes are sent ${what} in ${durationText(windowMs)}; use the last one or wait.`, { retryAfter: Math.ceil(windowMs / 1000) });
    }
  }
  const code = randomDigits(opts);
  const expiresAt = opts.clock.now() + oob.codeTtlMs;
  await opts.state.set(stateKeys.oobCode(factor.userId, factor.id), opts.keyRing.encrypt(code, codeContext(factor.userId, factor.id)), oob.codeTtlMs);
  await oob.send({ channel: factor.channel, to, code, userId: factor.userId, purpose });
  return success({ factorId: factor.id, channel: factor.channel, hint: factor.hint, expiresAt });
}

/**
 * Checks a code sent to a factor and spends it: of any number of requests with the right code,
 * exactly one succeeds (the stored code is consumed atomically). A wrong code leaves it in place
 * for the user to retype; the throttle around the call counts the failure.
 */
export async function checkOobCode(opts: OobPorts, factor: OobFactorRecord, input: string): Promise<boolean> {
  const code = input.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(code)) return false;
  const key = stateKeys.oobCode(factor.userId, factor.id);
  const stored = await opts.state.get(key);
  if (!stored || !safeEqual(opts.keyRing.decrypt(stored, codeContext(factor.userId, factor.id)), code)) return false;
  return (await opts.state.consume(key)) === stored;
}

const durationText = (ms: number) => (ms >= DAY_MS ? `${Math.round(ms / 3600_000)} hours` : `${Math.round(ms / 60_000)} minutes`);

/** Six uniformly random digits. */
function randomDigits(opts: OobPorts): string {
  for (;;) {
    const value = opts.randomBytes(4).readUInt32BE(0);
    if (value < UINT32_LIMIT) return String(value % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
  }
}
