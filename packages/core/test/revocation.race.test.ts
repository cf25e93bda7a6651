// Threat: a verification that checked its code just before an administrator revoked the user (a
// lost device) issues its session just after the revocation's mark, and that session survives.
import { MemoryStore } from '@mfakit/core';
import { FakeClock, totpCode, decide } from '@mfakit/testing';
import { enrollTotp, setup } from './helpers';

/** A MemoryStore that runs `during` once, right after the next TOTP code is spent (the proof is checked, the session not yet issued). */
class PausingStore extends MemoryStore {
  during: (() => Promise<void>) | null = null;
  override async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    const spent = await super.advance(key, value, ttlMs);
    const during = this.during;
    this.during = null;
    if (during) await during();
    return spent;
  }
}

test('a session issued by a proof that was under way while the user was revoked does not survive the revocation', async () => {
  const clock = new FakeClock();
  const store = new PausingStore({ clock });
  const h = setup({ stores: { factors: store, state: store } }, clock);
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  store.during = async () => {
    h.clock.advance(5); // the revocation comes a moment after the code was checked ...
    await h.mfa.admin.revokeUser('alice', { by: 'admin' });
    h.clock.advance(5); // ... and the session is issued a moment after that
  };
  const verified = await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) });
  expect(verified.ok).toBe(true); // the proof was good when it was checked
  const sessionToken = verified.ok ? verified.value.sessionToken : '';
  const decision = await decide(h.mfa, { user: alice.user, sessionToken });
  expect(decision.allow).toBe(false);
  expect((await h.mfa.status({ user: alice.user, sessionToken })).session).toBeNull();
});

test('a factor removed while a proof with it was under way: the session that proof opens does not survive either', async () => {
  const clock = new FakeClock();
  const store = new PausingStore({ clock });
  const h = setup({ stores: { factors: store, state: store } }, clock);
  const alice = await enrollTotp(h);
  const second = await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp');
  if (!second.ok) throw new Error('start failed');
  h.clock.advanceSeconds(30);
  const confirmed = await h.mfa.confirmEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp', second.value.factorId, totpCode(second.value.secret, h.clock));
  const remover = confirmed.ok ? confirmed.value.session.sessionToken : ''; // the confirmation rotated alice's session
  h.clock.advanceSeconds(30);
  store.during = async () => {
    h.clock.advance(5);
    expect((await h.mfa.removeFactor({ user: alice.user, sessionToken: remover }, second.value.factorId)).ok).toBe(true);
    h.clock.advance(5);
  };
  const verified = await h.mfa.verify({ user: alice.user }, { code: totpCode(second.value.secret, h.clock) });
  const sessionToken = verified.ok ? verified.value.sessionToken : '';
  expect((await decide(h.mfa, { user: alice.user, sessionToken })).allow).toBe(false);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: remover })).allow).toBe(true); // the remover's own
});
