// Threat: an attacker with one fresh proof quietly makes ten long-lived recovery codes, or an
// exemption switches MFA off for an account, and the account's owner never hears of it.
import type { AdminNotice, UserNotice } from '@mfakit/core';
import { enrollTotp, setup, unwrap } from './helpers';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function withNotices() {
  const user: UserNotice[] = [];
  const admins: AdminNotice[] = [];
  const h = setup({ notify: { user: (n) => void user.push(n), admins: (n) => void admins.push(n) } });
  return { h, user, admins };
}

test('the user is told when a new set of recovery codes replaces the old one', async () => {
  const { h, user } = withNotices();
  const alice = await enrollTotp(h);
  await settle();
  user.length = 0;
  const fresh = unwrap(await h.mfa.regenerateRecoveryCodes({ user: alice.user, sessionToken: alice.sessionToken }));
  await settle();
  expect(user).toEqual([{ type: 'recovery.regenerated', userId: 'alice', at: h.clock.now(), count: 10 }]);
  expect(JSON.stringify(user)).not.toContain(fresh.recoveryCodes[0]);
});

test('the user and the administrators are told when the user is exempted from MFA', async () => {
  const { h, user, admins } = withNotices();
  const expiresAt = h.clock.now() + 7 * 86_400_000;
  unwrap(await h.mfa.admin.grantExemption('bob', { reason: 'Phone lost, new one on Monday', expiresAt }, { by: 'admin-7' }));
  await settle();
  expect(user).toEqual([{ type: 'exemption.granted', userId: 'bob', at: h.clock.now(), expiresAt }]);
  expect(admins).toEqual([{ type: 'exemption.granted', userId: 'bob', at: h.clock.now(), by: 'admin-7', reason: 'Phone lost, new one on Monday', expiresAt }]);
});
