// Threat: a copy of the database or state store (backup, dump, injection) yields working TOTP secrets or recovery codes.
import { createHash } from 'node:crypto';
import type { OtpFactorRecord } from '@mfakit/core/store';
import { normalizeRecoveryCode } from '@mfakit/core';
import { otpSecretContext } from '../src/totp/otp';
import { handleRoute } from '@mfakit/core/http';
import type { FactorRecord } from '@mfakit/core/store';
import { totpCode, decide } from '@mfakit/testing';
import { ScureBase32Plugin } from 'otplib';
import { codeOf, deepDump, enrollTotp, type Harness, setup, unwrap } from './helpers';
import { contextOf } from '../src/createMfa';

/** Every text form in which a base32 secret could be stored. */
function formsOf(secret: string): string[] {
  const bytes = Buffer.from(new ScureBase32Plugin().decode(secret));
  return [secret, secret.toLowerCase(), bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')];
}

async function storedText(h: Harness, userIds: string[]): Promise<string> {
  const factors: FactorRecord[] = [];
  for await (const factor of h.store.allFactors()) factors.push(factor);
  const recovery = await Promise.all(userIds.map((id) => h.store.getRecoveryCodes(id)));
  return JSON.stringify({ factors, recovery }) + deepDump(h.store);
}

test('nothing stored holds a secret or a recovery code in plaintext', async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  const pending = unwrap(await h.mfa.startEnrollment({ user: { id: 'carol' } }, 'totp')); // in the StateStore
  const stored = await storedText(h, ['alice', 'bob', 'carol']);

  // the walk does reach the records, the pending enrollment and the sessions
  expect(stored).toContain(((await h.store.getFactor('alice', alice.factorId)) as OtpFactorRecord).secret);
  expect(stored).toContain(pending.factorId);
  // the sessions are rows of the store's session table, each under the SHA-256 of its token and user
  const sessionId = createHash('sha256').update(`${alice.sessionToken}alice`).digest();
  expect(stored).toContain(`:${sessionId.readInt32LE(0)},`);

  for (const secret of [alice.secret, bob.secret, pending.secret]) for (const form of formsOf(secret)) expect(stored).not.toContain(form);
  for (const code of [...alice.recoveryCodes, ...bob.recoveryCodes]) {
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(normalizeRecoveryCode(code)!);
  }
  expect(stored).not.toContain(alice.sessionToken);
});

test('a stored secret is an AES-GCM ciphertext under the current key', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const { secret } = (await h.store.getFactor('alice', alice.factorId)) as OtpFactorRecord;
  expect(secret).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
  expect(contextOf(h.mfa).keyRing.decrypt(secret, otpSecretContext('alice', alice.factorId))).toBe(alice.secret);
});

test("ciphertext is bound to user and factor: alice's secret copied into bob's record does not decrypt", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  const aliceSecret = ((await h.store.getFactor('alice', alice.factorId)) as OtpFactorRecord).secret;
  const bobSecret = ((await h.store.getFactor('bob', bob.factorId)) as OtpFactorRecord).secret;
  expect(await h.store.compareAndSetSecret('bob', bob.factorId, bobSecret, aliceSecret)).toBe(true);

  expect(() => contextOf(h.mfa).keyRing.decrypt(aliceSecret, otpSecretContext('bob', bob.factorId))).toThrow(expect.objectContaining({ code: 'secret_undecryptable' }));
  expect(() => contextOf(h.mfa).keyRing.decrypt(aliceSecret, otpSecretContext('alice', bob.factorId))).toThrow(expect.objectContaining({ code: 'secret_undecryptable' }));

  h.clock.advanceSeconds(30);
  const aliceCode = totpCode(alice.secret, h.clock);
  await expect(h.mfa.verify({ user: bob.user }, { code: aliceCode })).rejects.toMatchObject({ code: 'secret_undecryptable' });
  // over HTTP and on a protected route it fails closed
  const answer = await handleRoute(h.mfa, 'verify', { user: bob.user, params: {}, body: { code: aliceCode } });
  expect(answer).toMatchObject({ status: 503, body: { code: 'mfa_unavailable' } });
  expect(await decide(h.mfa, { user: bob.user, inlineCode: aliceCode })).toMatchObject({ allow: false, response: { status: 503 } });
  // alice is unaffected
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: aliceCode }))).toBe('ok');
});

test('a ring without the key cannot read the store', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const thief = setup({ encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 0xee) }], stores: { factors: h.store, state: h.store } }, h.clock);
  h.clock.advanceSeconds(30);
  await expect(thief.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) })).rejects.toMatchObject({ code: 'secret_undecryptable' });
});
