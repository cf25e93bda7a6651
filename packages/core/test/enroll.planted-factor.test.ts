// Threat: an attacker who knows only the password starts a TOTP (or email/SMS) enrollment while the
// victim has no factor, waits until the victim enrolls one, then confirms the planted one: a second
// factor of the attacker's, and an MFA session.
import { totpCode } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

test("an enrollment started before the user's first factor became active can no longer be confirmed", async () => {
  const h = setup();
  const user = { id: 'alice' };
  const planted = unwrap(await h.mfa.startEnrollment({ user }, 'totp')); // the attacker, with the password alone
  h.clock.advance(1);
  await enrollTotp(h); // the victim enrolls an authenticator app
  h.clock.advanceSeconds(30);
  const confirmed = await h.mfa.confirmEnrollment({ user }, 'totp', planted.factorId, totpCode(planted.secret, h.clock));
  expect(codeOf(confirmed)).toBe('enrollment_not_found');
  expect(await h.store.listFactors('alice')).toHaveLength(1);
});

test('a pending enrollment confirmed after the user has a factor needs a fresh proof at confirmation', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const second = unwrap(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'));
  // The confirmation carries no proof: a stolen password alone cannot finish what was started.
  expect(codeOf(await h.mfa.confirmEnrollment({ user: alice.user }, 'totp', second.factorId, totpCode(second.secret, h.clock)))).toBe('mfa_required');
  h.clock.advanceSeconds(301);
  const stale = await h.mfa.confirmEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp', second.factorId, totpCode(second.secret, h.clock));
  expect(codeOf(stale)).toBe('mfa_stale');
  expect(await h.store.listFactors('alice')).toHaveLength(1);
  // The pending enrollment is not spent by a refused confirmation: with a fresh proof it completes.
  const fresh = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  unwrap(await h.mfa.confirmEnrollment({ user: alice.user, sessionToken: fresh.sessionToken }, 'totp', second.factorId, totpCode(second.secret, h.clock)));
  expect(await h.store.listFactors('alice')).toHaveLength(2);
});

test('an email enrollment planted before the first factor is ended the same way', async () => {
  const sent: { code: string; to: string }[] = [];
  const h = setup({ oob: { send: (message) => void sent.push(message) } });
  const user = { id: 'alice' };
  const planted = unwrap(await h.mfa.startOobEnrollment({ user }, 'email', 'mallory@example.com'));
  h.clock.advance(1);
  await enrollTotp(h);
  const code = sent.find((m) => m.to === 'mallory@example.com')!.code;
  expect(codeOf(await h.mfa.confirmOobEnrollment({ user }, 'email', planted.factorId, code))).toBe('enrollment_not_found');
  expect((await h.store.listFactors('alice')).map((f) => f.kind)).toEqual(['totp']);
});

test('removing a factor and revoking the user end pending enrollments too', async () => {
  const h = setup({ policy: { required: () => false } }); // MFA opted into: the last factor may go
  const alice = await enrollTotp(h);
  const pending = unwrap(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'));
  h.clock.advance(1);
  await h.mfa.admin.revokeUser('alice', { by: 'admin' });
  h.clock.advanceSeconds(30);
  // No factor is left, so no fresh proof is asked: the enrollment's end is what refuses it.
  expect(codeOf(await h.mfa.confirmEnrollment({ user: alice.user }, 'totp', pending.factorId, totpCode(pending.secret, h.clock)))).toBe('enrollment_not_found');

  const again = await enrollTotp(h);
  const other = unwrap(await h.mfa.startEnrollment({ user: again.user, sessionToken: again.sessionToken }, 'hotp'));
  const third = unwrap(await h.mfa.startEnrollment({ user: again.user, sessionToken: again.sessionToken }, 'totp'));
  h.clock.advance(1);
  unwrap(await h.mfa.removeFactor({ user: again.user, sessionToken: again.sessionToken }, again.factorId));
  expect(codeOf(await h.mfa.confirmEnrollment({ user: again.user }, 'totp', third.factorId, totpCode(third.secret, h.clock)))).toBe('enrollment_not_found');
  expect(codeOf(await h.mfa.confirmEnrollment({ user: again.user }, 'hotp', other.factorId, '000000'))).toBe('enrollment_not_found');
});
