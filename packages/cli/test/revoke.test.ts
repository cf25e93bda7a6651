// Threat: a lost or stolen authenticator keeps working; `mfakit revoke` must remove every factor and end every MFA session at once.
import { enrollTotp, setup, unwrap } from './helpers';
import { totpCode, decide } from '@mfakit/testing';

test('revoke removes every factor and the recovery codes, ends the sessions, says what it removed, and is audited', async () => {
  const h = setup();
  const first = await enrollTotp(h, 'alice');
  h.clock.advance(31_000);
  const second = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' }, sessionToken: first.sessionToken }, 'totp', 'Backup phone'));
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user: { id: 'alice' }, sessionToken: first.sessionToken }, 'totp', second.factorId, totpCode(second.secret, h.clock)));
  const sessionToken = confirmed.session.sessionToken;
  expect(await decide(h.mfa, { user: { id: 'alice' }, sessionToken })).toMatchObject({ allow: true });

  const { code, out, err } = await h.run(['revoke', 'alice']);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toBe('Revoked alice: removed 2 factors and the recovery codes, and ended every MFA session. alice must enroll again.\n');
  expect(await h.store.listFactors('alice')).toEqual([]);
  expect(await decide(h.mfa, { user: { id: 'alice' }, sessionToken })).toMatchObject({ allow: false });
  const verified = await h.mfa.verify({ user: { id: 'alice' } }, { recoveryCode: first.recoveryCodes[0]! });
  expect(verified.ok).toBe(false);
  expect(h.events.filter((e) => e.type === 'user.revoked')).toEqual([expect.objectContaining({ userId: 'alice', by: 'cli:test-admin', factorsRemoved: 2 })]);
});

test('revoking a user without factors says so and succeeds', async () => {
  const h = setup();
  const { code, out } = await h.run(['revoke', 'carol']);
  expect(code).toBe(0);
  expect(out).toBe('carol had no factors; ended every MFA session of theirs anyway.\n');
});

test('revoke needs exactly one user id of 1 to 256 characters', async () => {
  const h = setup();
  for (const [argv, message] of [
    [['revoke'], 'revoke needs a user id'],
    [['revoke', 'alice', 'bob'], 'revoke takes one user id, got 2 arguments'],
    [['revoke', 'x'.repeat(257)], 'the user id must have 1 to 256 characters'],
    [['revoke', 'alice', '--all'], "Unknown option '--all'"],
  ] as const) {
    const { code, out, err } = await h.run([...argv]);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toContain(message);
  }
  expect(h.events).toEqual([]);
});
