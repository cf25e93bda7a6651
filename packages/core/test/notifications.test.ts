// Threat: changes to an account that its owner never hears of (an attacker adding their own
// authenticator, spending a recovery code, or locking the account), and recovery codes used
// without administrators knowing. The notify hooks get each, never with a secret in them.
import type { AdminNotice, UserNotice } from '@mfakit/core';
import { totpCode, decide } from '@mfakit/testing';
import { enrollTotp, setup, unwrap, wrongCodes } from './helpers';

function withNotices() {
  const user: UserNotice[] = [];
  const admins: AdminNotice[] = [];
  // MFA opted into, so that the last factor may be removed.
  const h = setup({ notify: { user: (n) => void user.push(n), admins: (n) => void admins.push(n) }, policy: { required: () => false } });
  return { h, user, admins };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('the user hears of a factor added and removed, a recovery code used (with the count left) and a lock', async () => {
  const { h, user, admins } = withNotices();
  const alice = await enrollTotp(h);
  unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }));
  for (const code of wrongCodes(alice.secret, h.clock, 3)) await h.mfa.verify({ user: alice.user }, { code });
  h.clock.advanceSeconds(600);
  const fresh = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  unwrap(await h.mfa.removeFactor({ user: alice.user, sessionToken: fresh.sessionToken }, alice.factorId));
  await settle();

  expect(user.map((n) => n.type)).toEqual(['factor.added', 'recovery.regenerated', 'recovery.used', 'account.locked', 'factor.removed']);
  expect(user[2]).toEqual({ type: 'recovery.used', userId: 'alice', at: expect.any(Number), remaining: 9 });
  expect(admins).toEqual([{ type: 'recovery.used', userId: 'alice', at: expect.any(Number), remaining: 9 }]);
  const text = JSON.stringify([user, admins]);
  expect(text).not.toContain(alice.secret);
  expect(text).not.toContain(alice.recoveryCodes[0]);
});

test('the user hears of a revocation by an administrator', async () => {
  const { h, user } = withNotices();
  await enrollTotp(h);
  await h.mfa.admin.revokeUser('alice', { by: 'admin' });
  await settle();
  expect(user.at(-1)).toEqual({ type: 'factors.revoked', userId: 'alice', at: expect.any(Number), count: 1 });
});

test('a failing hook is logged and undoes nothing', async () => {
  const h = setup({
    notify: {
      user: async () => {
        throw new Error('mail server down');
      },
    },
  });
  const alice = await enrollTotp(h);
  await settle();
  expect(await h.store.listFactors('alice')).toHaveLength(1);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).allow).toBe(true);
  expect(h.logs.join('\n')).toContain('notify hook failed on factor.enrolled: Error: mail server down');
});
