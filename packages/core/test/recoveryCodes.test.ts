// Recovery codes: format, count, distinctness, normalisation, regeneration, and the count left.
import { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

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
