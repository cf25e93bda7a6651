/**
 * Threat: an instance dying (SIGKILL, the OOM killer, a lost host) while it rotates the encryption
 * keys (`mfakit rotate-keys`, `mfa.admin.rotateKeys()`), and leaving a secret half re-encrypted,
 * under no key of the ring, or gone. Killed right before each of its writes in turn, it must leave
 * every secret decrypting under the ring (under the old key or the new), and a second run must
 * finish the job, after which the old key can go.
 */
import { systemClock } from '@mfakit/core';
import type { OtpFactorRecord } from '@mfakit/core/store';
import { totpCode, wrongCode } from '@mfakit/testing';
import { killAtEveryWrite, newKey, testKilled, unwrap } from './crash';

const USERS = 3;

const [oldKey, newKeyOfRing] = [newKey('k1'), newKey('k2')];
const ring = `${newKeyOfRing},${oldKey}`;

testKilled(
  'killed at any write of a key rotation, every secret decrypts, and a second run finishes it',
  async (stores) => {
    const writes = await killAtEveryWrite(
      async (run) => {
        const schema = await stores.newSchema(); // rotation reads every factor: a schema per run
        const mfa = stores.mfa(schema, oldKey);
        const users: { user: { id: string }; secret: string }[] = [];
        for (let n = 0; n < USERS; n++) {
          const user = { id: `user-${run}-${n}` };
          const { factorId, secret } = unwrap(await mfa.startEnrollment({ user }, 'totp'));
          unwrap(await mfa.confirmEnrollment({ user }, 'totp', factorId, totpCode(secret, systemClock)));
          users.push({ user, secret });
        }
        return { scenario: { schema, users }, input: stores.input('rotate', schema, ring) };
      },
      async ({ schema, users }, run) => {
        const secrets = (await Promise.all(users.map(({ user }) => stores.factors(schema).listFactors(user.id)))).flat().map((factor) => (factor as OtpFactorRecord).secret);
        expect(secrets).toHaveLength(USERS);
        for (const secret of secrets) expect(secret).toMatch(/^v1:k[12]:/);
        const stale = secrets.filter((secret) => secret.startsWith('v1:k1:')).length;
        if ('finished' in run) expect(run.finished.outcome).toEqual({ rotated: USERS, current: 0, total: USERS, keyId: 'k2' });

        // A wrong code makes mfakit decrypt the secret without spending a time step; a secret
        // under no key of the ring would throw instead.
        const mfa = stores.mfa(schema, ring);
        for (const { user, secret } of users) expect(await mfa.verify({ user }, { code: wrongCode(secret, systemClock) })).toMatchObject({ ok: false, problem: { code: 'mfa_invalid_code' } });
        expect(await mfa.admin.rotateKeys()).toEqual({ rotated: stale, current: USERS - stale, total: USERS, keyId: 'k2' });
        const newKeyOnly = stores.mfa(schema, newKeyOfRing);
        for (const { user, secret } of users) expect(unwrap(await newKeyOnly.verify({ user }, { code: totpCode(secret, systemClock, { offsetSteps: 1 }) })).factorId).toMatch(/^fac_/);
      },
    );
    expect(writes).toEqual(['UPDATE mfakit_factors SET']); // one batch: a single UPDATE swaps every secret, compare-and-set per row
  },
  60_000,
);
