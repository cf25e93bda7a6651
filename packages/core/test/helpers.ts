// Shared set-up for the core's tests: one mfa over a MemoryStore the test can inspect, a fake
// clock, and every event and log line collected.
import { createMfa, type Mfa, type MfaEvent, type MfaOptions, MemoryStore, type Outcome } from '@mfakit/core';
import { type AuthenticationOverrides, FakeClock, SoftAuthenticator, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';

export { holdCreates } from '@mfakit/testing';

export const KEY_1 = { id: 'k1', key: Buffer.alloc(32, 1) };
export const KEY_2 = { id: 'k2', key: Buffer.alloc(32, 2) };

export interface Harness {
  mfa: Mfa;
  clock: FakeClock;
  store: MemoryStore;
  events: MfaEvent[];
  logs: string[];
}

/** An mfa with a known key, a fake clock and a MemoryStore; `options` override the defaults. */
export function setup(options: Partial<MfaOptions> = {}, clock = new FakeClock()): Harness {
  const store = new MemoryStore({ clock });
  const events: MfaEvent[] = [];
  const logs: string[] = [];
  const mfa = createMfa({
    issuer: 'Acme',
    clock,
    stores: { factors: store, state: store },
    encryptionKeys: [KEY_1],
    recoveryCodeCost: TEST_RECOVERY_CODE_COST, // recoveryCodes.test.ts keeps the real cost
    onEvent: (event) => events.push(event),
    logger: { warn: (m) => logs.push(`warn: ${m}`), error: (m) => logs.push(`error: ${m}`) },
    ...options,
  });
  return { mfa, clock, store, events, logs };
}

/** The value of a successful outcome; fails the test with the problem otherwise. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.problem)}`);
  return outcome.value;
}

/** The problem code of a denied outcome, or 'ok'. */
export function codeOf(outcome: Outcome<unknown>): string {
  return outcome.ok ? 'ok' : outcome.problem.code;
}

export interface Enrolled {
  user: { id: string };
  factorId: string;
  secret: string;
  recoveryCodes: string[];
  sessionToken: string;
}

/** Enrolls and confirms a TOTP factor (the current step's code is then spent). */
export async function enrollTotp(h: Harness, userId = 'alice'): Promise<Enrolled> {
  const user = { id: userId };
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, h.clock)));
  return {
    user,
    factorId: started.factorId,
    secret: started.secret,
    recoveryCodes: confirmed.recoveryCodes ?? [],
    sessionToken: confirmed.session.sessionToken,
  };
}

/** `count` distinct well-formed codes, none valid within the ±1 window around now. */
export function wrongCodes(secret: string, clock: FakeClock, count: number): string[] {
  const valid = new Set([-1, 0, 1].map((offsetSteps) => totpCode(secret, clock, { offsetSteps })));
  const codes: string[] = [];
  for (let n = 104_729; codes.length < count; n += 7_919) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) codes.push(code);
  }
  return codes;
}

/** JSON of an object including the contents of its Maps and Sets (plain JSON shows `{}`). */
export function deepDump(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v];
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[seen]';
      seen.add(v);
    }
    return v;
  });
}

/** The origin of the pages in the WebAuthn tests, and the relying party they belong to. */
export const ORIGIN = 'http://localhost:3000';
export const WEBAUTHN = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

export interface PasskeyEnrolled {
  user: { id: string };
  factorId: string;
  authenticator: SoftAuthenticator;
  recoveryCodes: string[];
  sessionToken: string;
}

/**
 * Registers a credential of `authenticator` (a new one by default) through the core. A user with a
 * factor already must pass a fresh `sessionToken`.
 */
export async function enrollPasskey(
  h: Harness,
  userId = 'alice',
  authenticator = new SoftAuthenticator({ origin: ORIGIN }),
  extra: { sessionToken?: string; label?: string } = {},
): Promise<PasskeyEnrolled> {
  const req = { user: { id: userId }, sessionToken: extra.sessionToken };
  const options = unwrap(await h.mfa.webauthnRegistrationOptions(req));
  const confirmed = unwrap(await h.mfa.registerWebAuthn(req, authenticator.register(options), extra.label));
  return { user: req.user, factorId: confirmed.factor.id, authenticator, recoveryCodes: confirmed.recoveryCodes ?? [], sessionToken: confirmed.session.sessionToken };
}

/** A fresh assertion of the user's passkey for new authentication options. */
export async function assertion(h: Harness, enrolled: { user: { id: string }; authenticator: SoftAuthenticator }, overrides: AuthenticationOverrides = {}) {
  const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: enrolled.user }));
  return enrolled.authenticator.authenticate(options, overrides);
}
