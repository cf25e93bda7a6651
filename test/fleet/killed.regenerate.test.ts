/**
 * Threat: an instance dying (SIGKILL, the OOM killer, a lost host) while it regenerates a user's
 * recovery codes, and leaving the user with no working set, or with the old and the new codes both
 * working. Killed right before each of its writes in turn, it must leave exactly one set: the old
 * one, whole and working, or the new one, whole, the old codes void.
 */
import { systemClock } from '@mfakit/core';
import type { RecoveryCodeSet } from '@mfakit/core/store';
import { totpCode } from '@mfakit/testing';
import { killAtEveryWrite, newKey, testKilled, unwrap } from './crash';

const keys = newKey('k1');

testKilled(
  'killed at any write of a regeneration, the user has exactly one set of recovery codes',
  async (stores) => {
    const mfa = stores.mfa('public', keys);
    const factors = stores.factors('public');
    const writes = await killAtEveryWrite(
      async (run) => {
        const user = { id: `user-${run}` };
        const { factorId, secret } = unwrap(await mfa.startEnrollment({ user }, 'totp'));
        const confirmed = unwrap(await mfa.confirmEnrollment({ user }, 'totp', factorId, totpCode(secret, systemClock)));
        const held = (await factors.getRecoveryCodes(user.id)) as RecoveryCodeSet;
        const input = stores.input('regenerate', 'public', keys, { userId: user.id, sessionToken: confirmed.session.sessionToken });
        return { scenario: { user, oldCodes: confirmed.recoveryCodes!, held }, input };
      },
      async ({ user, oldCodes, held }, run) => {
        const set = await factors.getRecoveryCodes(user.id);
        expect(set?.hashes).toHaveLength(10); // never none, never a part
        const oldKept = set!.salt === held.salt;
        if (oldKept) expect(set).toEqual(held);
        else expect(set!.hashes.filter((hash) => held.hashes.includes(hash))).toEqual([]);
        // The old codes work exactly when the old set is the one held: never both sets.
        expect((await mfa.verify({ user }, { recoveryCode: oldCodes[0]! })).ok).toBe(oldKept);
        if ('finished' in run) {
          expect(oldKept).toBe(false);
          const { value } = run.finished.outcome as { value: { recoveryCodes: string[] } };
          expect(unwrap(await mfa.verify({ user }, { recoveryCode: value.recoveryCodes[0]! })).recoveryCodesRemaining).toBe(9);
        }
      },
    );
    expect(writes).toEqual(expect.arrayContaining(['DELETE FROM mfakit_recovery_codes', 'COMMIT']));
  },
  60_000,
);
