// Enrollment: the Key URI Format, the QR code, the lapse of a pending enrollment, and the fresh
// proof a further factor needs.
import { present } from '@mfakit/core/http';
import { ScureBase32Plugin } from 'otplib';
import { totpCode, wrongCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

test('otpauth URI per the Key URI Format: Issuer:account label, equal issuer parameter, 160-bit secret', async () => {
  const h = setup({ issuer: 'Acme Corp', accountName: (user) => `${user.id}@example.com` });
  const started = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  const url = new URL(started.otpauthUrl);
  expect(url.protocol).toBe('otpauth:');
  expect(url.host).toBe('totp');
  expect(decodeURIComponent(url.pathname)).toBe('/Acme Corp:alice@example.com');
  expect(url.searchParams.get('issuer')).toBe('Acme Corp');
  expect(url.searchParams.get('secret')).toBe(started.secret);
  expect(started.secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(new ScureBase32Plugin().decode(started.secret)).toHaveLength(20);
  // defaults (SHA1, 6 digits, 30 s) may be left out; if present they must say so
  for (const [name, value] of [
    ['algorithm', 'SHA1'],
    ['digits', '6'],
    ['period', '30'],
  ]) {
    expect([null, value]).toContain(url.searchParams.get(name!));
  }
});

test('non-default parameters appear in the URI', async () => {
  const h = setup({ totp: { algorithm: 'sha256', digits: 8, period: 60 } });
  const { otpauthUrl } = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  const params = new URL(otpauthUrl).searchParams;
  expect([params.get('algorithm'), params.get('digits'), params.get('period')]).toEqual(['SHA256', '8', '60']);
});

test('the QR code is a PNG data URL', async () => {
  const h = setup();
  const { qrCode } = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  expect(qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  expect(Buffer.from(qrCode.split(',')[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');
});

test('each enrollment gets its own secret and factor id', async () => {
  const h = setup();
  const a = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  const b = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  expect(a.secret).not.toBe(b.secret);
  expect(a.factorId).not.toBe(b.factorId);
});

test('a pending enrollment lapses after enrollmentTtl', async () => {
  const h = setup({ enrollmentTtl: '2m' });
  const user = { id: 'alice' };
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  expect(started.expiresAt).toBe(h.clock.now() + 120_000);
  h.clock.advanceSeconds(120);
  expect(codeOf(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, h.clock)))).toBe('enrollment_not_found');
  expect(await h.store.listFactors('alice')).toHaveLength(0);
});

test('confirm just before the lapse works; a confirmed enrollment cannot be confirmed again', async () => {
  const h = setup();
  const user = { id: 'alice' };
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  h.clock.advanceSeconds(599);
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, h.clock)));
  expect(confirmed.factor).toEqual({ id: started.factorId, kind: 'totp', label: 'Authenticator app', createdAt: expect.any(Number) });
  expect(confirmed.session.amr).toEqual(['otp']);
  h.clock.advanceSeconds(30);
  expect(codeOf(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, totpCode(started.secret, h.clock)))).toBe('enrollment_not_found');
});

test('a wrong code does not activate the factor', async () => {
  const h = setup();
  const user = { id: 'alice' };
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
  expect(codeOf(await h.mfa.confirmEnrollment({ user }, 'totp', started.factorId, wrongCode(started.secret, h.clock)))).toBe('mfa_invalid_code');
  expect(await h.store.listFactors('alice')).toHaveLength(0);
});

test("another user cannot confirm alice's pending enrollment", async () => {
  const h = setup();
  const started = unwrap(await h.mfa.startEnrollment({ user: { id: 'alice' } }, 'totp'));
  const result = await h.mfa.confirmEnrollment({ user: { id: 'bob' } }, 'totp', started.factorId, totpCode(started.secret, h.clock));
  expect(codeOf(result)).toBe('enrollment_not_found');
});

describe('a second factor needs a fresh MFA proof', () => {
  test('no session -> mfa_required', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    expect(codeOf(await h.mfa.startEnrollment({ user: alice.user }, 'totp'))).toBe('mfa_required');
  });

  test('a session older than freshProofMaxAge -> mfa_stale', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    h.clock.advanceSeconds(301);
    expect(codeOf(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'))).toBe('mfa_stale');
  });

  test('a fresh session, or an inline code, is enough; only the first factor brings recovery codes', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const second = unwrap(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'));
    const confirmed = unwrap(await h.mfa.confirmEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp', second.factorId, totpCode(second.secret, h.clock)));
    expect(confirmed.recoveryCodes).toBeUndefined();
    h.clock.advanceSeconds(30);
    const third = await h.mfa.startEnrollment({ user: alice.user, inlineCode: totpCode(alice.secret, h.clock) }, 'hotp');
    expect(third.ok && third.issuedSession?.sessionToken).toMatch(/^mfa_/);
    expect(present(third, 201).headers['X-Session-Token']).toBe(third.ok && third.issuedSession?.sessionToken);
    expect(await h.store.listFactors('alice')).toHaveLength(2);
  });

  test('a confirmation paid for with an inline code opens no second session beside the one in the answer', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const started = unwrap(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'));
    h.clock.advanceSeconds(30);
    const confirmed = await h.mfa.confirmEnrollment({ user: alice.user, inlineCode: totpCode(alice.secret, h.clock) }, 'totp', started.factorId, totpCode(started.secret, h.clock));
    expect(confirmed.ok && confirmed.issuedSession).toBeFalsy(); // no second token on the side
    expect(present(confirmed, 200).headers['X-Session-Token']).toBeUndefined();
    const { sessionToken } = unwrap(confirmed).session;
    expect((await decide(h.mfa, { user: alice.user, sessionToken })).allow).toBe(true);
    // The inline code's session was replaced by the confirmation's: live are the first
    // enrollment's session (this request did not carry it) and the confirmation's, not a third.
    expect((h.store.sessions as unknown as { size: number }).size).toBe(2); // the store's session table (nothing has expired)
    expect(h.events.filter((e) => e.type === 'verification.succeeded')).toHaveLength(3); // three proofs all the same
  });
});

test('status lists factors without secrets', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const status = await h.mfa.status({ user: alice.user, sessionToken: alice.sessionToken });
  expect(status).toMatchObject({ required: true, enrolled: true, exempt: false, recoveryCodesRemaining: 10, session: { amr: ['otp'] } });
  expect(JSON.stringify(status)).not.toContain(alice.secret);
  expect(Object.keys(status.factors[0]!).sort()).toEqual(['createdAt', 'id', 'kind', 'label']);
});
