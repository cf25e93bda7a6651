// Threat: two registrations of one WebAuthn credential id racing on PostgreSQL (a double submit by its owner, or another account copying the id), both inserted because each read found none, or the second turned into a 500 by a unique violation instead of 409 factor_exists.
import { randomUUID } from 'node:crypto';
import type { Outcome } from '@mfakit/core';
import { SoftAuthenticator } from '@mfakit/testing';
import { holdCreates, ORIGIN, unwrap, useCoreOn } from './coreOnPostgres';
import { type DatabaseTarget, describeOnTargets } from './helpers';

const codeOf = (outcome: Outcome<unknown>) => (outcome.ok ? 'ok' : outcome.problem.code);

describeOnTargets('one WebAuthn credential id, one factor', (target: DatabaseTarget) => {
  const core = useCoreOn(target);

  /** Registration responses of one credential, for each user in turn (each with options of its own), made before any is sent. */
  async function responsesOfOneCredential(userIds: string[]) {
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const responses = [];
    for (const id of userIds) {
      const options = unwrap(await core.mfa.webauthnRegistrationOptions({ user: { id } }));
      responses.push(responses.length === 0 ? key.register(options) : key.register(options, { credentialId: key.credential.id }));
    }
    return { credentialId: key.credential.id, responses };
  }

  async function rowsOf(credentialId: string): Promise<{ user_id: string }[]> {
    const { rows } = await core.db.client.query(`SELECT user_id FROM "${core.db.schema}"."mfakit_factors" WHERE data->>'credentialId' = $1`, [credentialId]);
    return rows as { user_id: string }[];
  }

  test('two registrations of one credential by its owner, both past every read: one factor, the other 409 factor_exists', async () => {
    const user = { id: `alice-${randomUUID()}` };
    const { credentialId, responses } = await responsesOfOneCredential([user.id, user.id]);
    holdCreates(core.factors, 2);
    const outcomes = await Promise.all(responses.map((response) => core.mfa.registerWebAuthn({ user }, response)));
    expect(outcomes.map(codeOf).sort()).toEqual(['factor_exists', 'ok']);
    expect(await rowsOf(credentialId)).toEqual([{ user_id: user.id }]);
    expect(outcomes.filter((o) => o.ok && o.value.recoveryCodes)).toHaveLength(1);
  });

  test('two accounts registering one credential id at once: one gets it, the other is factor_exists', async () => {
    const alice = { id: `alice-${randomUUID()}` };
    const mallory = { id: `mallory-${randomUUID()}` };
    const { credentialId, responses } = await responsesOfOneCredential([alice.id, mallory.id]);
    const outcomes = await Promise.all([core.mfa.registerWebAuthn({ user: alice }, responses[0]), core.mfa.registerWebAuthn({ user: mallory }, responses[1])]);
    expect(outcomes.map(codeOf).sort()).toEqual(['factor_exists', 'ok']);
    expect(await rowsOf(credentialId)).toHaveLength(1);
  });
});
