import { createMfa } from '@mfakit/core';
import { FakeClock, totpCode } from '@mfakit/testing';

test('enroll, confirm, verify, check', async () => {
  const clock = new FakeClock();
  const events: string[] = [];
  const mfa = createMfa({ issuer: 'Acme', clock, encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 7) }], onEvent: (e) => events.push(e.type) });
  const req = { user: { id: 'alice' } };
  const enrolled = await mfa.startEnrollment(req, 'totp');
  if (!enrolled.ok) throw new Error('enroll');
  expect(enrolled.value.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Acme:alice\?secret=[A-Z2-7]{32}&issuer=Acme$/);
  const confirmed = await mfa.confirmEnrollment(req, enrolled.value.factorId, totpCode(enrolled.value.secret, clock));
  if (!confirmed.ok) throw new Error(JSON.stringify(confirmed.problem));
  expect(confirmed.value.recoveryCodes).toHaveLength(10);
  const decision = await mfa.check({ ...req, sessionToken: confirmed.value.session.sessionToken });
  expect(decision.allow).toBe(true);
  clock.advanceSeconds(30);
  const verified = await mfa.verify(req, { code: totpCode(enrolled.value.secret, clock) });
  expect(verified.ok).toBe(true);
  const recovered = await mfa.verify(req, { recoveryCode: confirmed.value.recoveryCodes![0]! });
  expect(recovered.ok && recovered.value.recoveryCodesRemaining).toBe(9);
  expect(events).toEqual(expect.arrayContaining(['factor.enrolled', 'verification.succeeded', 'recovery.used']));
});
