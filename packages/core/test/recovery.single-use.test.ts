// Threat: a recovery code, a long-lived bearer secret, is used more than once or read back from a stolen database.
import { normalizeRecoveryCode } from '@mfakit/core';
import { codeOf, deepDump, enrollTotp, setup, unwrap } from './helpers';

test('a recovery code works once', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const recoveryCode = alice.recoveryCodes[0]!;
  unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode }));
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode }))).toBe('mfa_invalid_code');
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: recoveryCode.toLowerCase() }))).toBe('mfa_invalid_code');
  expect((await h.store.getRecoveryCodes('alice'))!.hashes).toHaveLength(9);
});

test.each([
  ['the default throttle', {}],
  ['a throttle that lets all 20 reach the store', { throttle: { maxFailures: 100 } }],
])('20 concurrent uses of one code: exactly one wins (%s)', async (_name, options) => {
  const h = setup(options);
  const alice = await enrollTotp(h);
  const recoveryCode = alice.recoveryCodes[5]!;
  const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.verify({ user: alice.user }, { recoveryCode })));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect(h.events.filter((e) => e.type === 'recovery.used')).toHaveLength(1);
  expect((await h.store.getRecoveryCodes('alice'))!.hashes).toHaveLength(9);
});

test("one user's recovery code does not work for another", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  expect(codeOf(await h.mfa.verify({ user: bob.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_invalid_code');
});

test('codes are stored only as salted hashes: no plaintext in the store', async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  const set = (await h.store.getRecoveryCodes('alice'))!;
  expect(set.hashes).toHaveLength(10);
  expect(new Set(set.hashes).size).toBe(10);
  expect(set.salt).not.toBe((await h.store.getRecoveryCodes('bob'))!.salt);
  const stored = JSON.stringify(set) + deepDump(h.store);
  expect(stored).toContain(set.hashes[0]); // the dump does reach the codes' record
  for (const code of [...alice.recoveryCodes, ...bob.recoveryCodes]) {
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(normalizeRecoveryCode(code));
    expect(set.hashes.join()).not.toContain(Buffer.from(normalizeRecoveryCode(code)!).toString('base64url'));
  }
});
