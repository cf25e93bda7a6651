// Recovery codes: format, count, distinctness, normalisation, regeneration, and the count left.
import { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';
import { contextOf } from '../src/createMfa';

test('10 distinct codes of the form XXXX-XXXX-XXXX-XXXX (Crockford base32)', async () => {
  const h = setup();
  const { recoveryCodes } = await enrollTotp(h);
  expect(RECOVERY_CODE_COUNT).toBe(10);
  expect(recoveryCodes).toHaveLength(10);
  expect(new Set(recoveryCodes).size).toBe(10);
  for (const code of recoveryCodes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
});

test('normalisation: case, dashes, spaces and look-alikes; anything else is not a code', () => {
  expect(normalizeRecoveryCode('ab12-cd34-ef56-gh78')).toBe('AB12CD34EF56GH78');
  expect(normalizeRecoveryCode(' ab12 cd34ef56gh78 ')).toBe('AB12CD34EF56GH78');
  expect(normalizeRecoveryCode('0OIL-0000-0000-0000')).toBe('0011000000000000');
  expect(normalizeRecoveryCode('AB12-CD34-EF56')).toBeNull();
  expect(normalizeRecoveryCode('AB12-CD34-EF56-GH7U')).toBeNull();
  expect(normalizeRecoveryCode('AB12-CD34-EF56-GH7!')).toBeNull();
});

test('a code typed in lower case and without dashes is accepted, and the count left reported', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const typed = alice.recoveryCodes[3]!.toLowerCase().replace(/-/g, '');
  const verified = unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: typed }));
  expect(verified).toMatchObject({ recoveryCodesRemaining: 9, amr: ['otp'], factorId: 'recovery' });
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'recovery.used', remaining: 9 }));
  expect((await h.mfa.status({ user: alice.user })).recoveryCodesRemaining).toBe(9);
  const second = unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }));
  expect(second.recoveryCodesRemaining).toBe(8);
});

test('a made-up code is refused', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: 'AAAA-BBBB-CCCC-DDDD' }))).toBe('mfa_invalid_code');
  expect((await h.mfa.status({ user: alice.user })).recoveryCodesRemaining).toBe(10);
});

test('regeneration needs a fresh proof and voids the old set', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect(codeOf(await h.mfa.regenerateRecoveryCodes({ user: alice.user }))).toBe('mfa_required');
  const { recoveryCodes } = unwrap(await h.mfa.regenerateRecoveryCodes({ user: alice.user, sessionToken: alice.sessionToken }));
  expect(recoveryCodes).toHaveLength(10);
  expect(recoveryCodes.filter((c) => alice.recoveryCodes.includes(c))).toEqual([]);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_invalid_code');
  expect(unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: recoveryCodes[0]! })).recoveryCodesRemaining).toBe(9);
});

test('regeneration after the fresh-proof window -> mfa_stale; a new proof allows it', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(301);
  expect(codeOf(await h.mfa.regenerateRecoveryCodes({ user: alice.user, sessionToken: alice.sessionToken }))).toBe('mfa_stale');
  const inline = await h.mfa.regenerateRecoveryCodes({ user: alice.user, inlineCode: totpCode(alice.secret, h.clock) });
  expect(inline.ok).toBe(true);
});

describe('the hashing cost (recoveryCodeCost)', () => {
  test('by default scrypt N = 2^13, and the salt names no cost; the code verifies', async () => {
    const h = setup({ recoveryCodeCost: undefined }); // the real cost, not the suites' lowered one
    expect(contextOf(h.mfa).recoveryCodeCost).toBe(13);
    const alice = await enrollTotp(h);
    const set = await h.store.getRecoveryCodes('alice');
    expect(set!.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }));
  });

  test('a set keeps the cost it was made with: made cheap in a test, it still verifies under the default', async () => {
    const cheap = setup({ recoveryCodeCost: 4 });
    const alice = await enrollTotp(cheap);
    expect((await cheap.store.getRecoveryCodes('alice'))!.salt).toMatch(/^ln4\$[A-Za-z0-9_-]{22}$/);
    const real = setup({ stores: { factors: cheap.store, state: cheap.store }, recoveryCodeCost: undefined }, cheap.clock);
    unwrap(await real.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[1]! }));
    expect(codeOf(await real.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[1]! }))).toBe('mfa_invalid_code');
  });

  test('an integer from 1 to 17, checked at construction', () => {
    for (const bad of [0, 18, 12.5, '13']) expect(() => setup({ recoveryCodeCost: bad as number })).toThrow(/recoveryCodeCost must be an integer from 1 to 17/);
  });
});
