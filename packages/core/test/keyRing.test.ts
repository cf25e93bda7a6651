// The key ring: AES-256-GCM with the key id in each ciphertext and associated data bound to it.
import type { OtpFactorRecord } from '@mfakit/core/store';
import { randomBytes } from 'node:crypto';
import { MfaError, parseEncryptionKeys } from '@mfakit/core';
import { KeyRing } from '../src/secrets/keyRing';
import { totpCode } from '@mfakit/testing';
import { enrollTotp, KEY_1, KEY_2, setup, unwrap } from './helpers';

const ring = new KeyRing([KEY_1], randomBytes);

function codeOfThrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MfaError);
    return (err as MfaError).code;
  }
  throw new Error('did not throw');
}

test('round trip, a fresh IV each time, key id in the clear', () => {
  const a = ring.encrypt('JBSWY3DPEHPK3PXP', 'ctx');
  const b = ring.encrypt('JBSWY3DPEHPK3PXP', 'ctx');
  expect(a).not.toBe(b);
  expect(a).toMatch(/^v1:k1:/);
  expect(ring.decrypt(a, 'ctx')).toBe('JBSWY3DPEHPK3PXP');
});

test('wrong associated data fails with secret_undecryptable', () => {
  const sealed = ring.encrypt('secret', 'mfakit:otp:alice:fac_1');
  expect(codeOfThrown(() => ring.decrypt(sealed, 'mfakit:otp:bob:fac_1'))).toBe('secret_undecryptable');
});

test('an unknown key id fails with secret_undecryptable', () => {
  const other = new KeyRing([KEY_2], randomBytes);
  expect(codeOfThrown(() => ring.decrypt(other.encrypt('secret', 'ctx'), 'ctx'))).toBe('secret_undecryptable');
});

test('a wrong key under the same id fails', () => {
  const impostor = new KeyRing([{ id: 'k1', key: Buffer.alloc(32, 99) }], randomBytes);
  expect(codeOfThrown(() => ring.decrypt(impostor.encrypt('secret', 'ctx'), 'ctx'))).toBe('secret_undecryptable');
});

test.each([
  ['a flipped ciphertext byte', (parts: string[]) => [parts[0], parts[1], parts[2], flip(parts[3]!)]],
  ['a flipped IV byte', (parts: string[]) => [parts[0], parts[1], flip(parts[2]!), parts[3]]],
  ['a truncated body', (parts: string[]) => [parts[0], parts[1], parts[2], parts[3]!.slice(0, 10)]],
  ['another format', (parts: string[]) => ['v0', parts[1], parts[2], parts[3]]],
])('tampering (%s) fails with secret_undecryptable', (_name, tamper) => {
  const parts = ring.encrypt('JBSWY3DPEHPK3PXP', 'ctx').split(':');
  expect(codeOfThrown(() => ring.decrypt(tamper(parts).join(':'), 'ctx'))).toBe('secret_undecryptable');
});

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  return bytes.toString('base64url');
}

test('parseEncryptionKeys reads kid:base64 lists, the first one current', () => {
  const spec = ` k2:${KEY_2.key.toString('base64')} , k1:${KEY_1.key.toString('base64')}`;
  const keys = parseEncryptionKeys(spec);
  expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
  expect(keys[1]!.key.equals(KEY_1.key)).toBe(true);
  expect(new KeyRing(keys, randomBytes).currentId).toBe('k2');
  expect(codeOfThrown(() => parseEncryptionKeys('no-colon-here'))).toBe('invalid_option');
  expect(codeOfThrown(() => parseEncryptionKeys(':abc'))).toBe('invalid_option');
});

test('isStale tells ciphertexts of an older key', () => {
  const rotated = new KeyRing([KEY_2, KEY_1], randomBytes);
  expect(rotated.isStale(ring.encrypt('s', 'c'))).toBe(true);
  expect(rotated.isStale(rotated.encrypt('s', 'c'))).toBe(false);
});

test('rotateKeys re-encrypts under the new first key; the factor still verifies on k2 alone', async () => {
  const before = setup();
  const alice = await enrollTotp(before);
  const old = ((await before.store.getFactor('alice', alice.factorId)) as OtpFactorRecord).secret;
  expect(old).toMatch(/^v1:k1:/);

  const during = setup({ encryptionKeys: [KEY_2, KEY_1], stores: { factors: before.store, state: before.store } }, before.clock);
  await expect(during.mfa.admin.rotateKeys()).resolves.toEqual({ rotated: 1, current: 0, total: 1, keyId: 'k2' });
  await expect(during.mfa.admin.rotateKeys()).resolves.toEqual({ rotated: 0, current: 1, total: 1, keyId: 'k2' }); // idempotent

  const stored = ((await before.store.getFactor('alice', alice.factorId)) as OtpFactorRecord).secret;
  expect(stored).toMatch(/^v1:k2:/);
  const all: string[] = [];
  for await (const factor of before.store.allFactors()) all.push(JSON.stringify(factor));
  expect(all.join()).not.toContain(old);

  const after = setup({ encryptionKeys: [KEY_2], stores: { factors: before.store, state: before.store } }, before.clock);
  before.clock.advanceSeconds(30);
  unwrap(await after.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, before.clock) }));
});
