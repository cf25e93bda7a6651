// Threat: a lost or stolen device that keeps working after an administrator revoked it: its
// factor still verifying codes, its recovery codes still usable, or an MFA session opened with it
// still passing (on this instance or another one sharing the stores).
import { createMfa } from '@mfakit/core';
import { totpCode, decide } from '@mfakit/testing';
import { enrollTotp, KEY_1, setup } from './helpers';

test('revoking a user removes every factor and recovery code and ends every open session at once', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const second = await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) });
  expect(second.ok).toBe(true);
  const tokens = [alice.sessionToken, second.ok ? second.value.sessionToken : ''];
  // another instance of the fleet: same stores, its own Mfa
  const other = createMfa({ issuer: 'Acme', clock: h.clock, stores: { factors: h.store, state: h.store }, encryptionKeys: [KEY_1] });
  for (const sessionToken of tokens) expect((await decide(other, { user: alice.user, sessionToken })).allow).toBe(true);

  h.clock.advance(1);
  expect(await h.mfa.admin.revokeUser('alice', { by: 'admin', ip: '10.0.0.9' })).toEqual({ factorsRemoved: 1 });

  for (const mfa of [h.mfa, other]) {
    for (const sessionToken of tokens) {
      const decision = await decide(mfa, { user: alice.user, sessionToken });
      expect(!decision.allow && decision.response.status).toBe(403); // no factor left: enroll again
    }
  }
  h.clock.advanceSeconds(30);
  const code = await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) });
  const recovery = await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! });
  expect([code.ok, recovery.ok]).toEqual([false, false]);
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'user.revoked', userId: 'alice', by: 'admin', ip: '10.0.0.9', factorsRemoved: 1 }));
});

test('sessions made after the revocation work: the user enrolls again and goes on', async () => {
  const h = setup();
  await enrollTotp(h);
  await h.mfa.admin.revokeUser('alice', { by: 'admin' });
  h.clock.advanceSeconds(30);
  const again = await enrollTotp(h);
  expect((await decide(h.mfa, { user: again.user, sessionToken: again.sessionToken })).allow).toBe(true);
});

test('the revocation of one user leaves every other user alone', async () => {
  const h = setup();
  const bob = await enrollTotp(h, 'bob');
  await enrollTotp(h, 'alice');
  h.clock.advance(1);
  await h.mfa.admin.revokeUser('alice', { by: 'admin' });
  expect((await decide(h.mfa, { user: bob.user, sessionToken: bob.sessionToken })).allow).toBe(true);
  expect(await h.store.listFactors('bob')).toHaveLength(1);
});
