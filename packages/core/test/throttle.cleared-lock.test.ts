// Threat: a proof refused by a lock that a success elsewhere cleared a moment later (two instances,
// concurrent requests) is told the wrong story: `mfa_codes_disabled` (403) for a recovery code that
// codes-disabled never blocks, sending the client down a dead end. A blocked attempt whose blocker
// is gone is a 429 to try again at once.
import { FakeClock, totpCode } from '@mfakit/testing';
import { MemoryStore } from '@mfakit/core';
import { codeOf, enrollTotp, setup } from './helpers';

/** A MemoryStore whose next `incrementUnless` answers "blocked", as if a lock stood there and was cleared right after. */
class ClearedLockStore extends MemoryStore {
  blockNext = false;
  override async incrementUnless(key: string, ttlMs: number, unless: string[]): Promise<number | null> {
    if (this.blockNext) {
      this.blockNext = false;
      return null;
    }
    return super.incrementUnless(key, ttlMs, unless);
  }
}

function harness() {
  const clock = new FakeClock();
  const store = new ClearedLockStore({ clock });
  return { ...setup({ stores: { factors: store, state: store } }, clock), blocking: store };
}

test('a recovery code refused by a lock that is gone: 429 mfa_locked with Retry-After 1, not 403', async () => {
  const h = harness();
  const alice = await enrollTotp(h);
  h.blocking.blockNext = true;
  const refused = await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! });
  expect(refused.ok ? null : refused.problem).toMatchObject({ code: 'mfa_locked', retryAfter: 1 });
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('ok'); // at once, the code unspent
});

test('a code refused by a lock that is gone: 429 too; codes-disabled only while its mark stands', async () => {
  const h = harness();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  h.blocking.blockNext = true;
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_locked');
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('ok');
});
