// Threat: a user whose codes were switched off by someone else's guessing stays cut off, or an
// unlock happens with no trace: `mfakit unlock` lifts it for one user and is audited.
import { totpCode, wrongCode } from '@mfakit/testing';
import { enrollTotp, setup, unwrap } from './helpers';

test('unlock clears the locks and the failure streak of one user, says so, and is audited', async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  h.clock.advance(30_000);
  for (let i = 0; i < 3; i += 1) await h.mfa.verify({ user: { id: 'alice' } }, { code: wrongCode(alice.secret, h.clock) });
  const locked = await h.mfa.verify({ user: { id: 'alice' } }, { code: totpCode(alice.secret, h.clock) });
  expect(!locked.ok && locked.problem.code).toBe('mfa_locked'); // the right code, refused while locked

  const { code, out, err } = await h.run(['unlock', 'alice']);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toBe('Unlocked alice: codes are accepted again, and the count of failed attempts starts over.\n');
  unwrap(await h.mfa.verify({ user: { id: 'alice' } }, { code: totpCode(alice.secret, h.clock) }));
  expect(h.events.filter((e) => e.type === 'account.unlocked')).toEqual([expect.objectContaining({ userId: 'alice', by: 'cli:test-admin' })]);
});

test('unlock needs exactly one user id', async () => {
  const h = setup();
  for (const argv of [['unlock'], ['unlock', 'a', 'b']]) {
    const { code, out } = await h.run(argv);
    expect({ code, out }).toEqual({ code: 2, out: '' });
  }
  expect(h.events).toEqual([]);
});
