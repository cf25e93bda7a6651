/**
 * Threat: an instance dying (SIGKILL, the OOM killer, a lost host) while it confirms a user's first
 * enrollment, and leaving a factor neither pending nor active (the user's app holds a secret the
 * server lost, and a retry is refused), an active first factor without recovery codes, or two
 * factors for one enrollment. Killed right before each of its writes in turn, it must leave the
 * enrollment pending (a retry confirms it and shows the codes) or the factor active, with its set.
 */
import { systemClock } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { killAtEveryWrite, newKey, testKilled, unwrap } from './crash';

const keys = newKey('k1');

testKilled(
  'killed at any write of a first confirmation, the factor is pending or active with its recovery codes',
  async (stores) => {
    const mfa = stores.mfa('public', keys);
    const factors = stores.factors('public');
    const writes = await killAtEveryWrite(
      async (run) => {
        const user = { id: `user-${run}` };
        const { factorId, secret } = unwrap(await mfa.startEnrollment({ user }, 'totp'));
        const input = stores.input('confirm', 'public', keys, { userId: user.id, factorId, code: totpCode(secret, systemClock) });
        return { scenario: { user, factorId, secret }, input };
      },
      async ({ user, factorId, secret }, run) => {
        // The next step's code: the instance may have spent the current one before it died.
        const nextCode = totpCode(secret, systemClock, { offsetSteps: 1 });
        const active = (await factors.getFactor(user.id, factorId)) !== null;
        if ('finished' in run) expect(active).toBe(true);
        if (active) {
          expect((await factors.getRecoveryCodes(user.id))?.hashes).toHaveLength(10);
          expect(unwrap(await mfa.verify({ user }, { code: nextCode })).factorId).toBe(factorId);
        } else {
          expect(await factors.getRecoveryCodes(user.id)).toBeNull();
          const retried = unwrap(await mfa.confirmEnrollment({ user }, 'totp', factorId, nextCode));
          expect(retried.recoveryCodes).toHaveLength(10);
        }
        expect((await factors.listFactors(user.id)).map((factor) => factor.id)).toEqual([factorId]);
      },
    );
    expect(writes).toEqual(expect.arrayContaining(['INSERT INTO mfakit_factors', 'COMMIT', 'state.delete enroll']));
  },
  90_000,
);
