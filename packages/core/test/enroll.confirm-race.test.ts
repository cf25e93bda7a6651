// Threat: concurrent confirmations of one pending factor, each with a code of a different (still
// valid) time step, all pass the replay guard (it accepts any later step): several sessions from
// one enrollment, or the factor stored twice.
import { totpCode } from '@mfakit/testing';
import { enrollTotp, setup } from './helpers';

test('of concurrent confirmations of one pending factor exactly one activates it and opens a session', async () => {
  const h = setup();
  const user = { id: 'alice' };
  const started = await h.mfa.startEnrollment({ user }, 'totp');
  if (!started.ok) throw new Error('start failed');
  const { factorId, secret } = started.value;
  // Codes of the previous, the current and the next step: each valid within the window.
  const codes = [-1, 0, 1].map((offsetSteps) => totpCode(secret, h.clock, { offsetSteps }));
  const outcomes = await Promise.all(codes.map((code) => h.mfa.confirmEnrollment({ user }, 'totp', factorId, code)));
  expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
  expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.problem.code)).toEqual(expect.arrayContaining(['enrollment_not_found']));
  expect(await h.store.listFactors('alice')).toHaveLength(1);
  expect(h.events.filter((e) => e.type === 'verification.succeeded')).toHaveLength(1);
  expect(h.events.filter((e) => e.type === 'factor.enrolled')).toHaveLength(1);
});

test('the same for a further factor confirmed with a fresh session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const started = await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp');
  if (!started.ok) throw new Error('start failed');
  const { factorId, secret } = started.value;
  const codes = [0, 1].map((offsetSteps) => totpCode(secret, h.clock, { offsetSteps }));
  const outcomes = await Promise.all(codes.map((code) => h.mfa.confirmEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp', factorId, code)));
  expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
  expect(await h.store.listFactors('alice')).toHaveLength(2);
});
