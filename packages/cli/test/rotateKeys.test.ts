// Threat: a retired encryption key still protects stored secrets; `mfakit rotate-keys` must move every secret to the current key.
import { enrollTotp, KEY_1, KEY_2, setup } from './helpers';
import { totpCode } from '@mfakit/testing';

test('after a new key is put first, rotate-keys re-encrypts every secret under it and the codes still verify', async () => {
  const old = setup([KEY_1]);
  const alice = await enrollTotp(old, 'alice');
  await enrollTotp(old, 'bob');
  const h = old.withKeys([KEY_2, KEY_1]);

  expect(await h.run(['rotate-keys'])).toEqual({ code: 0, out: 'Rotated 2/2 secrets to key k2.\n', err: '' });
  const stored = await h.store.listFactors('alice');
  expect(stored.map((f) => (f as { secret: string }).secret.split(':')[1])).toEqual(['k2']);

  // The old key can go: the secrets open under the new one alone.
  const fresh = h.withKeys([KEY_2]);
  fresh.clock.advance(60_000);
  const verified = await fresh.mfa.verify({ user: { id: 'alice' } }, { code: totpCode(alice.secret, fresh.clock) });
  expect(verified.ok).toBe(true);
});

test('a second run finds nothing left to rotate', async () => {
  const old = setup([KEY_1]);
  await enrollTotp(old, 'alice');
  const h = old.withKeys([KEY_2, KEY_1]);
  await h.run(['rotate-keys']);
  expect(await h.run(['rotate-keys'])).toEqual({ code: 0, out: 'Rotated 0/1 secrets to key k2 (1 under it already).\n', err: '' });
});

test('with no factors there is nothing to do', async () => {
  expect(await setup().run(['rotate-keys'])).toEqual({ code: 0, out: 'Rotated 0/0 secrets to key k1.\n', err: '' });
});

test('rotate-keys takes no arguments', async () => {
  const { code, err } = await setup().run(['rotate-keys', 'k2']);
  expect(code).toBe(2);
  expect(err).toContain('rotate-keys takes no arguments');
});
