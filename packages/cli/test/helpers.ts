// Shared set-up for the command line's tests: runCli in-process over a MemoryStore, a FakeClock,
// the audit events collected, and enrollment through the core as a user would do it.
import { createMfa, type EncryptionKey, type Mfa, type MfaEvent, MemoryStore, type MfaUser, type Outcome } from '@mfakit/core';
import { FakeClock, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import { type CliContext, runCli } from '@mfakit/cli';

export const KEY_1: EncryptionKey = { id: 'k1', key: Buffer.alloc(32, 1) };
export const KEY_2: EncryptionKey = { id: 'k2', key: Buffer.alloc(32, 2) };

/** The application's users: two people, an admin role, and a service user exempt by option. */
export const USERS: MfaUser[] = [{ id: 'alice' }, { id: 'bob' }, { id: 'carol' }, { id: 'svc-reports' }];

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export interface CliHarness {
  mfa: Mfa;
  clock: FakeClock;
  store: MemoryStore;
  events: MfaEvent[];
  /** Runs one command line; `context` overrides the harness's. */
  run(argv: string[], context?: Partial<CliContext>): Promise<Ran>;
  /** A new mfa over the same store and clock with other keys (a restart after editing MFA_ENCRYPTION_KEYS). */
  withKeys(keys: EncryptionKey[]): CliHarness;
}

/** An mfa under KEY_1 on a MemoryStore with a FakeClock; svc-reports is exempt by option. */
export function setup(keys: EncryptionKey[] = [KEY_1], clock = new FakeClock(), store = new MemoryStore({ clock })): CliHarness {
  const events: MfaEvent[] = [];
  const mfa = createMfa({
    issuer: 'Acme',
    clock,
    stores: { factors: store, state: store },
    encryptionKeys: keys,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    exempt: (user) => user.id === 'svc-reports',
    onEvent: (event) => events.push(event),
    logger: { warn: () => undefined, error: () => undefined },
  });
  const run = async (argv: string[], context: Partial<CliContext> = {}): Promise<Ran> => {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      mfa,
      listUsers: () => USERS,
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
      actor: 'cli:test-admin',
      ...context,
    });
    return { code, out, err };
  };
  return { mfa, clock, store, events, run, withKeys: (next) => setup(next, clock, store) };
}

/** The value of a successful outcome; fails the test with the problem otherwise. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.problem)}`);
  return outcome.value;
}

/** Enrolls and confirms a TOTP factor as the user would; the secret and recovery codes, for leak checks. */
export async function enrollTotp(h: CliHarness, userId: string): Promise<{ secret: string; recoveryCodes: string[]; sessionToken: string }> {
  const user = { id: userId };
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, h.clock)));
  return { secret: started.secret, recoveryCodes: confirmed.recoveryCodes ?? [], sessionToken: confirmed.session.sessionToken };
}
