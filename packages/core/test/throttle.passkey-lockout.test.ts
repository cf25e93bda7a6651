// Threat: an attacker with the password keeps the victim locked out of every factor, by guessing
// codes (or replaying one the victim just used) or by sending forged passkey assertions: one lock
// that also blocks the passkey, which cannot be guessed.
import { totpCode, wrongCode } from '@mfakit/testing';
import { assertion, codeOf, enrollPasskey, enrollTotp, setup, unwrap, WEBAUTHN } from './helpers';

async function victim() {
  const h = setup({ webauthn: WEBAUTHN });
  const alice = await enrollTotp(h);
  const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
  return { h, alice, passkey };
}

test('while wrong codes keep the account locked, the passkey still signs the user in', async () => {
  const { h, alice, passkey } = await victim();
  const guesses = [];
  for (let i = 0; i < 3; i += 1) guesses.push(codeOf(await h.mfa.verify({ user: alice.user }, { code: wrongCode(alice.secret, h.clock) })));
  expect(guesses).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);
  // Codes of every kind wait for the lock to end ...
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock, { offsetSteps: 1 }) }))).toBe('mfa_locked');
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_locked');
  // ... the passkey does not.
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey)));
});

test('a replayed code counts as a failure, and still cannot keep the passkey out', async () => {
  const { h, alice, passkey } = await victim();
  h.clock.advanceSeconds(30);
  const used = totpCode(alice.secret, h.clock);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: used })); // the victim signs in
  const replays = [];
  for (let i = 0; i < 3; i += 1) replays.push(codeOf(await h.mfa.verify({ user: alice.user }, { code: used })));
  expect(replays).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey)));
});

test('forged assertions lock nothing: they are refused one by one, and the genuine passkey and codes still work', async () => {
  const { h, alice, passkey } = await victim();
  for (let i = 0; i < 10; i += 1) {
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey, { tamperSignature: true })))).toBe('webauthn_verification_failed');
  }
  expect(h.events.filter((e) => e.type === 'account.locked')).toEqual([]);
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey)));
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  // Each refusal is still audited.
  expect(h.events.filter((e) => e.type === 'verification.failed')).toHaveLength(10);
});
