// Threat: two first enrollments confirmed at once on PostgreSQL each count as the first and each issue a set of recovery codes; the later set replaces the one the user was shown and saved.
import { randomUUID } from 'node:crypto';
import type { Confirmed, Outcome } from '@mfakit/core';
import { SoftAuthenticator, totpCode } from '@mfakit/testing';
import { holdCreates, ORIGIN, unwrap, useCoreOn } from './coreOnPostgres';
import { type DatabaseTarget, describeOnTargets } from './helpers';

describeOnTargets('one first set of recovery codes', (target: DatabaseTarget) => {
  const core = useCoreOn(target);

  async function pendingTotp(userId: string): Promise<() => Promise<Outcome<Confirmed>>> {
    const user = { id: userId };
    const { factorId, secret } = unwrap(await core.mfa.startEnrollment({ user }, 'totp'));
    return () => core.mfa.confirmEnrollment({ user }, 'totp', factorId, totpCode(secret, core.clock));
  }

  async function pendingPasskey(userId: string): Promise<() => Promise<Outcome<Confirmed>>> {
    const user = { id: userId };
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await core.mfa.webauthnRegistrationOptions({ user })));
    return () => core.mfa.registerWebAuthn({ user }, response);
  }

  /** Runs the confirmations once both have read (no factor, no set), then checks that one set was issued and shown, and works. */
  async function expectOneSetShown(userId: string, confirmations: (() => Promise<Outcome<Confirmed>>)[]): Promise<void> {
    holdCreates(core.factors, confirmations.length);
    const confirmed = (await Promise.all(confirmations.map((confirm) => confirm()))).map(unwrap);
    const shown = confirmed.flatMap((c) => (c.recoveryCodes ? [c.recoveryCodes] : []));
    expect(shown).toHaveLength(1);
    expect(await core.factors.listFactors(userId)).toHaveLength(2);
    expect((await core.factors.getRecoveryCodes(userId))?.hashes).toHaveLength(10);
    const verified = unwrap(await core.mfa.verify({ user: { id: userId } }, { recoveryCode: shown[0]![0]! }));
    expect(verified.recoveryCodesRemaining).toBe(9);
  }

  test('two TOTP enrollments confirmed at once: one set, shown once', async () => {
    const userId = `alice-${randomUUID()}`;
    await expectOneSetShown(userId, [await pendingTotp(userId), await pendingTotp(userId)]);
  });

  test('an authenticator app and a passkey confirmed at once: one set, shown once', async () => {
    const userId = `bob-${randomUUID()}`;
    await expectOneSetShown(userId, [await pendingTotp(userId), await pendingPasskey(userId)]);
  });
});
