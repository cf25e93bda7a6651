// The set-ups the in-process measurements share: an mfa over a given state store, with a known
// encryption key, silent logging, and a user who has enrolled a TOTP factor (which also gives a
// live MFA session and ten recovery codes), or a passkey made by the SoftAuthenticator.
import { type Clock, createMfa, type Mfa, MemoryStore, type RandomBytes } from '@mfakit/core';
import type { OtpFactorRecord, StateStore, WebAuthnFactorRecord } from '@mfakit/core/store';
import { SoftAuthenticator, totpCode } from '@mfakit/testing';

export const ENCRYPTION_KEY = { id: 'bench', key: Buffer.alloc(32, 7) };
export const ORIGIN = 'http://localhost:3000';
export const WEBAUTHN = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

const silent = { warn: () => {}, error: (message: string) => console.error(message) };

export interface Bench {
  mfa: Mfa;
  clock: Clock;
  factors: MemoryStore;
}

/** An mfa whose factors live in a MemoryStore and whose state lives in `state` (the same MemoryStore by default). */
export function benchMfa(clock: Clock, options: { state?: StateStore; webauthn?: boolean; randomBytes?: RandomBytes } = {}): Bench {
  const factors = new MemoryStore({ clock });
  const mfa = createMfa({
    issuer: 'Acme',
    clock,
    stores: { factors, state: options.state ?? factors },
    encryptionKeys: [ENCRYPTION_KEY],
    logger: silent,
    ...(options.webauthn ? { webauthn: WEBAUTHN } : {}),
    ...(options.randomBytes ? { randomBytes: options.randomBytes } : {}),
  });
  return { mfa, clock, factors };
}

/**
 * Random-looking bytes from xorshift32, seeded: issues a million distinct session tokens in seconds
 * (crypto.randomBytes takes a quarter of a minute for as many). For a benchmark's set-up only.
 */
export function fastRandomBytes(seed: number): RandomBytes {
  let x = seed | 1;
  return (size) => {
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    return bytes;
  };
}

export interface TotpUser {
  user: { id: string };
  /** The base32 secret, as the authenticator app holds it. */
  secret: string;
  factor: OtpFactorRecord;
  sessionToken: string;
  recoveryCodes: string[];
}

/** Enrolls and confirms a TOTP factor for `userId` (the current step's code is then spent). */
export async function enrollTotp(bench: Bench, userId: string): Promise<TotpUser> {
  const user = { id: userId };
  const started = ok(await bench.mfa.startEnrollment({ user }, 'totp'));
  const confirmed = ok(await bench.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, bench.clock)));
  const factor = (await bench.factors.getFactor(userId, started.factorId)) as OtpFactorRecord;
  return { user, secret: started.secret, factor, sessionToken: confirmed.session.sessionToken, recoveryCodes: confirmed.recoveryCodes ?? [] };
}

export interface PasskeyUser {
  user: { id: string };
  authenticator: SoftAuthenticator;
  factor: WebAuthnFactorRecord;
}

/** Registers a new SoftAuthenticator passkey as the first factor of `userId`. */
export async function enrollPasskey(bench: Bench, userId: string): Promise<PasskeyUser> {
  const user = { id: userId };
  const authenticator = new SoftAuthenticator({ origin: ORIGIN });
  const options = ok(await bench.mfa.webauthnRegistrationOptions({ user }));
  const confirmed = ok(await bench.mfa.registerWebAuthn({ user }, authenticator.register(options)));
  const factor = (await bench.factors.getFactor(userId, confirmed.factor.id)) as WebAuthnFactorRecord;
  return { user, authenticator, factor };
}

/** The value of a successful outcome; a failed set-up is a broken benchmark, so it throws. */
export function ok<T>(outcome: { ok: true; value: T } | { ok: false; problem: { code: string; detail: string } }): T {
  if (!outcome.ok) throw new Error(`benchmark set-up failed: ${outcome.problem.code}: ${outcome.problem.detail}`);
  return outcome.value;
}
