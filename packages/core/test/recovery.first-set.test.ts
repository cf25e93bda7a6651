// Threat: two first enrollments confirmed at once (two tabs, a double submit, an app and a passkey) each count as the first and each issue a set of recovery codes; the later set replaces the earlier after the user was shown it, so the codes the user saved do not work on the day the phone is lost.
import type { Confirmed, Outcome } from '@mfakit/core';
import { SoftAuthenticator, totpCode } from '@mfakit/testing';
import { codeOf, enrollTotp, type Harness, holdCreates, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';

/** A pending TOTP enrollment of the user and a confirmation of it, to run later. */
async function pendingTotp(h: Harness, userId: string): Promise<() => Promise<Outcome<Confirmed>>> {
  const user = { id: userId };
  const { factorId, secret } = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  return () => h.mfa.confirmEnrollment({ user }, 'totp', factorId, totpCode(secret, h.clock));
}

/** A passkey registration of the user, its response made now, sent later. */
async function pendingPasskey(h: Harness, userId: string): Promise<() => Promise<Outcome<Confirmed>>> {
  const user = { id: userId };
  const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
  return () => h.mfa.registerWebAuthn({ user }, response);
}

/** Runs the confirmations at once, each past its reads (no factor yet) before any stores its factor. */
async function together(h: Harness, confirmations: (() => Promise<Outcome<Confirmed>>)[]): Promise<Outcome<Confirmed>[]> {
  holdCreates(h.store, confirmations.length);
  return Promise.all(confirmations.map((confirm) => confirm()));
}

/**
 * Both confirmations succeed; exactly one answer carries recovery codes, the set stored is that
 * one (each of its codes is good, and no other), and one `recovery.regenerated` event says so.
 */
async function expectOneSetShown(h: Harness, userId: string, outcomes: Outcome<Confirmed>[]): Promise<void> {
  expect(outcomes.map(codeOf)).toEqual(['ok', 'ok']);
  const shown = outcomes.map((o) => unwrap(o).recoveryCodes).filter((codes) => codes !== undefined);
  expect(shown).toHaveLength(1);
  expect(outcomes.filter((o) => o.ok && 'recoveryCodes' in o.value)).toHaveLength(1);
  expect(await h.store.listFactors(userId)).toHaveLength(2);
  expect((await h.store.getRecoveryCodes(userId))?.hashes).toHaveLength(10);
  expect(h.events.filter((e) => e.type === 'recovery.regenerated' && e.userId === userId)).toHaveLength(1);
  const [codes] = shown as [string[]];
  expect(unwrap(await h.mfa.verify({ user: { id: userId } }, { recoveryCode: codes[0]! })).recoveryCodesRemaining).toBe(9);
  expect(unwrap(await h.mfa.verify({ user: { id: userId } }, { recoveryCode: codes[9]! })).recoveryCodesRemaining).toBe(8);
}

test('two TOTP enrollments confirmed at once: both factors active, one set of recovery codes, shown once', async () => {
  const h = setup();
  const confirmations = [await pendingTotp(h, 'alice'), await pendingTotp(h, 'alice')];
  await expectOneSetShown(h, 'alice', await together(h, confirmations));
});

test('an authenticator app and a passkey confirmed at once: one set, shown once', async () => {
  const h = setup({ webauthn: WEBAUTHN });
  const confirmations = [await pendingTotp(h, 'alice'), await pendingPasskey(h, 'alice')];
  await expectOneSetShown(h, 'alice', await together(h, confirmations));
});

test('after the last factor was removed, the next first enrollments replace the old set once: the old codes are void, the new ones shown once', async () => {
  const h = setup({ policy: { required: { roles: ['admin'] } } }); // alice may remove her last factor
  const alice = await enrollTotp(h);
  unwrap(await h.mfa.removeFactor({ user: alice.user, sessionToken: alice.sessionToken }, alice.factorId));
  expect(await h.store.getRecoveryCodes('alice')).not.toBeNull(); // the old set lingers, unused
  h.events.length = 0;
  h.clock.advance(30_000); // a TOTP step the first factor did not use
  const confirmations = [await pendingTotp(h, 'alice'), await pendingTotp(h, 'alice')];
  await expectOneSetShown(h, 'alice', await together(h, confirmations));
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_invalid_code');
});
