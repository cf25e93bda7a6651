// Threat: an attacker without the private key forges or doctors a WebAuthn response (bad signature, phishing origin, another RP, no user gesture, another user's or an unknown credential, malformed data) to sign in or add a key.
import type { Outcome } from '@mfakit/core';
import { handleRoute } from '@mfakit/core/http';
import { type AuthenticationOverrides, SoftAuthenticator, type RegistrationOverrides, wrongCode } from '@mfakit/testing';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { assertion, codeOf, enrollPasskey, enrollTotp, type Harness, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';

const withWebAuthn = (webauthn = {}) => setup({ webauthn: { ...WEBAUTHN, ...webauthn } });

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const clientDataOf = (response: { response: { clientDataJSON: string } }) => JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as Record<string, unknown>;
const failures = (h: Harness) => h.events.filter((e) => e.type === 'verification.failed').map((e) => 'reason' in e && e.reason);

/** Awaits an operation that must settle (never reject) as a denial with this code. */
async function expectDenied(outcome: Promise<Outcome<unknown>>, code: string) {
  expect(codeOf(await outcome)).toBe(code);
}

describe('forged assertions are refused with webauthn_verification_failed', () => {
  test.each<[string, AuthenticationOverrides, object?]>([
    ['a bogus signature', { tamperSignature: true }],
    ['a phishing origin', { origin: 'https://evil.example' }],
    ['another port of the same host', { origin: 'http://localhost:3001' }],
    ['https instead of http', { origin: 'https://localhost:3000' }],
    ['a subdomain that is not a configured origin', { origin: 'http://evil.localhost:3000' }],
    ['another RP id', { rpId: 'example.com' }],
    ['an RP id that only starts like ours', { rpId: 'localhost.evil.example' }],
    ['no user presence', { userPresent: false }],
    ['no user presence, even with UV', { userPresent: false, userVerified: true }],
    ['a registration type in clientDataJSON', { type: 'webauthn.create' }],
    ['no user verification when it is required', { userVerified: false }, { userVerification: 'required' }],
  ])('%s', async (_name, overrides, webauthn = {}) => {
    const h = withWebAuthn(webauthn);
    const alice = await enrollPasskey(h);
    h.events.length = 0;
    const forged = await assertion(h, alice, overrides);
    await expectDenied(h.mfa.authenticateWebAuthn({ user: alice.user }, forged), 'webauthn_verification_failed');
    expect(h.events.filter((e) => e.type === 'verification.succeeded')).toEqual([]);
    expect(failures(h)).toEqual(['webauthn_verification_failed']);
    expect((await h.store.getFactor('alice', alice.factorId))?.counter).toBe(0);
  });

  test('without UV when userVerification is preferred, the proof stands, with amr user', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    expect(unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { userVerified: false }))).amr).toEqual(['hwk', 'user']);
  });

  test('an assertion signed by another key under our credential id', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const attacker = new SoftAuthenticator({ origin: ORIGIN });
    attacker.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'mallory' } })));
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const signed = attacker.authenticate(options, { credentialId: attacker.credential.id });
    const forged = { ...signed, id: alice.authenticator.credential.id, rawId: alice.authenticator.credential.id };
    await expectDenied(h.mfa.authenticateWebAuthn({ user: alice.user }, forged), 'webauthn_verification_failed');
  });

  test('an unknown credential id', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    stranger.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'mallory' } })));
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const outcome = await h.mfa.authenticateWebAuthn({ user: alice.user }, stranger.authenticate(options, { credentialId: stranger.credential.id }));
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expect(!outcome.ok && outcome.problem.detail).toMatch(/not registered/);
  });

  test("another user's credential, on this user's challenge", async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h, 'alice');
    const bob = await enrollPasskey(h, 'bob');
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const signed = bob.authenticator.authenticate(options, { credentialId: bob.authenticator.credential.id });
    await expectDenied(h.mfa.authenticateWebAuthn({ user: alice.user }, signed), 'webauthn_verification_failed');
    expect((await h.store.getFactor('bob', bob.factorId))?.counter).toBe(0);
  });

  test.each([
    ['a synced passkey whose assertion claims to be bound to one device', true, false],
    ['a device-bound key whose assertion claims to be synced', false, true],
  ])('%s (backup eligibility changed since registration)', async (_name, registeredBackupEligible, claimed) => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: registeredBackupEligible }));
    // A key exported from a synced passkey can sign any flags: BE must match the registration
    // (WebAuthn Level 3 section 7.2), or such a key would pass routes that demand hwk.
    const outcome = await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { backupEligible: claimed }));
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expect((await h.store.getFactor('alice', alice.factorId))?.counter).toBe(0);
  });

  test('a failed assertion spends its challenge: the genuine one for it is refused afterwards', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options, { tamperSignature: true })))).toBe('webauthn_verification_failed');
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options)))).toBe('webauthn_challenge_invalid');
  });
});

describe('forged attestations are refused and nothing is stored', () => {
  const reencode = (response: RegistrationResponseJSON, change: (attestation: Map<string, unknown>) => void): RegistrationResponseJSON => {
    const attestation = isoCBOR.decodeFirst<Map<string, unknown>>(new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url')));
    change(attestation);
    const attestationObject = Buffer.from(isoCBOR.encode(attestation as Parameters<typeof isoCBOR.encode>[0])).toString('base64url');
    return { ...response, response: { ...response.response, attestationObject } };
  };

  test.each<[string, RegistrationOverrides, ((r: RegistrationResponseJSON) => RegistrationResponseJSON)?, object?]>([
    ['a phishing origin', { origin: 'https://evil.example' }],
    ['another RP id', { rpId: 'example.com' }],
    ['no user presence', { userPresent: false }],
    ['an authentication type in clientDataJSON', { type: 'webauthn.get' }],
    ['no user verification when it is required', { userVerified: false }, undefined, { userVerification: 'required' }],
    ['a packed attestation without a statement', {}, (r) => reencode(r, (a) => a.set('fmt', 'packed'))],
    ['a none attestation with a statement', {}, (r) => reencode(r, (a) => a.set('attStmt', new Map([['sig', new Uint8Array(8)]])))],
    ['an unknown attestation format', {}, (r) => reencode(r, (a) => a.set('fmt', 'made-up'))],
    ['authenticator data cut short', {}, (r) => reencode(r, (a) => a.set('authData', (a.get('authData') as Uint8Array).slice(0, 40)))],
  ])('%s', async (_name, overrides, doctor = (r) => r, webauthn = {}) => {
    const h = withWebAuthn(webauthn);
    const user = { id: 'alice' };
    const response = doctor(new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })), overrides));
    await expectDenied(h.mfa.registerWebAuthn({ user }, response), 'webauthn_verification_failed');
    expect(await h.store.listFactors('alice')).toEqual([]);
    expect(await h.store.getRecoveryCodes('alice')).toBeNull();
    expect(h.events.filter((e) => e.type === 'factor.enrolled')).toEqual([]);
  });
});

describe('malformed responses are a 4xx problem with a stable code, never a thrown error', () => {
  type Doctor = (valid: AuthenticationResponseJSON) => unknown;
  const inner = (valid: AuthenticationResponseJSON, change: Record<string, unknown>) => ({ ...valid, response: { ...valid.response, ...change } });
  const withClientData = (valid: AuthenticationResponseJSON, change: Record<string, unknown>) => inner(valid, { clientDataJSON: b64(JSON.stringify({ ...clientDataOf(valid), ...change })) });

  // Not a response at all: refused before the challenge is looked at; not a guess, so not counted.
  const shapes: [string, Doctor][] = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['a string', (v) => JSON.stringify(v)],
    ['a number', () => 42],
    ['an array', (v) => [v]],
    ['an empty object', () => ({})],
    ['type password', (v) => ({ ...v, type: 'password' })],
    ['no inner response', (v) => ({ ...v, response: undefined })],
    ['an inner response that is a string', (v) => ({ ...v, response: 'AAAA' })],
    ['no id', (v) => ({ ...v, id: undefined })],
    ['rawId unlike id', (v) => ({ ...v, rawId: 'AAAA' })],
    ['an id in base64, not base64url', (v) => ({ ...v, id: 'ab+/cd', rawId: 'ab+/cd' })],
    ['a huge id', (v) => ({ ...v, id: 'A'.repeat(20_000), rawId: 'A'.repeat(20_000) })],
    ['an id that is an object', (v) => ({ ...v, id: { $ne: '' }, rawId: { $ne: '' } })],
    ['no clientDataJSON', (v) => inner(v, { clientDataJSON: undefined })],
    ['clientDataJSON a number', (v) => inner(v, { clientDataJSON: 7 })],
    ['clientDataJSON not base64url', (v) => inner(v, { clientDataJSON: '%%%' })],
    ['clientDataJSON not JSON', (v) => inner(v, { clientDataJSON: b64('not json') })],
    ['clientDataJSON a JSON array', (v) => inner(v, { clientDataJSON: b64('["webauthn.get"]') })],
    ['clientDataJSON without a challenge', (v) => withClientData(v, { challenge: undefined })],
    ['a challenge that is a number', (v) => withClientData(v, { challenge: 12345 })],
    ['a huge challenge', (v) => withClientData(v, { challenge: 'A'.repeat(600) })],
    ['no authenticatorData', (v) => inner(v, { authenticatorData: undefined })],
    ['authenticatorData an object', (v) => inner(v, { authenticatorData: { length: 37 } })],
    ['no signature', (v) => inner(v, { signature: undefined })],
    ['an empty signature', (v) => inner(v, { signature: '' })],
    ['a huge signature', (v) => inner(v, { signature: 'A'.repeat(20_000) })],
  ];

  test.each(shapes)('%s: invalid_request, not counted, the challenge kept', async (_name, doctor) => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const valid = alice.authenticator.authenticate(options);
    h.events.length = 0;
    await expectDenied(h.mfa.authenticateWebAuthn({ user: alice.user }, doctor(valid)), 'invalid_request');
    const answer = await handleRoute(h.mfa, 'webauthnAuthentication', { user: alice.user, params: {}, body: { response: doctor(valid) } });
    expect(answer).toMatchObject({ status: 400, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' }, body: { code: 'invalid_request', status: 400 } });
    expect(failures(h)).toEqual([]);
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, valid));
  });

  // Shaped like a response, with the right challenge, but broken inside: a failed verification.
  const contents: [string, Doctor][] = [
    ['authenticatorData cut short', (v) => inner(v, { authenticatorData: Buffer.from(v.response.authenticatorData, 'base64url').subarray(0, 10).toString('base64url') })],
    ['a signature that is not DER', (v) => inner(v, { signature: 'AAAA' })],
    ['a userHandle that is a number', (v) => inner(v, { userHandle: 42 })],
    ['a top origin outside a cross-origin frame', (v) => withClientData(v, { topOrigin: 'https://evil.example' })],
    ['a bogus tokenBinding status', (v) => withClientData(v, { tokenBinding: { status: 'stolen' } })],
    ['clientDataJSON changed after signing', (v) => withClientData(v, { extra: 'appended' })],
  ];

  test.each(contents)('%s: webauthn_verification_failed, audited', async (_name, doctor) => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const valid = await assertion(h, alice);
    h.events.length = 0;
    await expectDenied(h.mfa.authenticateWebAuthn({ user: alice.user }, doctor(valid)), 'webauthn_verification_failed');
    expect(failures(h)).toEqual(['webauthn_verification_failed']);
    const answer = await handleRoute(h.mfa, 'webauthnAuthentication', { user: alice.user, params: {}, body: { response: doctor(await assertion(h, alice)) } });
    expect(answer).toMatchObject({ status: 401, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' }, body: { code: 'webauthn_verification_failed', status: 401 } });
    // Handled, not an unexpected failure: no error, one warning per refusal with the reason for operators.
    const refused = expect.stringMatching(/^warn: WebAuthn authentication refused\b/);
    expect(h.logs).toEqual([refused, refused]);
  });

  test.each<[string, (valid: RegistrationResponseJSON) => unknown]>([
    ['null', () => null],
    ['a string', (v) => JSON.stringify(v)],
    ['an empty object', () => ({})],
    ['no attestationObject', (v) => ({ ...v, response: { ...v.response, attestationObject: undefined } })],
    ['an attestationObject not base64url', (v) => ({ ...v, response: { ...v.response, attestationObject: '***' } })],
    ['clientDataJSON not JSON', (v) => ({ ...v, response: { ...v.response, clientDataJSON: b64('{') } })],
    ['rawId unlike id', (v) => ({ ...v, rawId: 'AAAA' })],
  ])('registration with %s: invalid_request, nothing stored', async (_name, doctor) => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user }));
    const valid = new SoftAuthenticator({ origin: ORIGIN }).register(options);
    await expectDenied(h.mfa.registerWebAuthn({ user }, doctor(valid)), 'invalid_request');
    expect(await h.store.listFactors('alice')).toEqual([]);
    unwrap(await h.mfa.registerWebAuthn({ user }, valid)); // the challenge was kept
  });

  test('an attestationObject that is not CBOR: webauthn_verification_failed, nothing stored', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const valid = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
    await expectDenied(h.mfa.registerWebAuthn({ user }, { ...valid, response: { ...valid.response, attestationObject: b64('not cbor at all') } }), 'webauthn_verification_failed');
    expect(await h.store.listFactors('alice')).toEqual([]);
  });
});

describe('failed assertions are refused one by one and lock nothing: a signature cannot be guessed', () => {
  test('three forged assertions: each refused, no lock, and the genuine one passes at once', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { tamperSignature: true }))));
    expect(outcomes).toEqual(['webauthn_verification_failed', 'webauthn_verification_failed', 'webauthn_verification_failed']);
    expect(h.events.filter((e) => e.type === 'account.locked')).toEqual([]);
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
  });

  test('forged assertions add nothing to the count of wrong codes', async () => {
    const h = withWebAuthn();
    const alice = await enrollTotp(h);
    const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
    expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: wrongCode(alice.secret, h.clock) }))).toBe('mfa_invalid_code');
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey, { origin: 'https://evil.example' })))).toBe('webauthn_verification_failed');
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey, { tamperSignature: true })))).toBe('webauthn_verification_failed');
    // One wrong code so far: the second is still checked, and the third locks.
    expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: wrongCode(alice.secret, h.clock) }))).toBe('mfa_invalid_code');
    expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }))).toBe('mfa_locked');
  });

  test('unknown challenges and credentials are refused each time, and the genuine passkey still passes', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    stranger.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'mallory' } })));
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options, { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })))).toBe(
      'webauthn_challenge_invalid',
    );
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, stranger.authenticate(options, { credentialId: stranger.credential.id })))).toBe('webauthn_verification_failed');
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { tamperSignature: true })))).toBe('webauthn_verification_failed');
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
  });

  test('a success clears the count', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    for (let round = 0; round < 3; round += 1) {
      expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { tamperSignature: true })))).toBe('webauthn_verification_failed');
      expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { userPresent: false })))).toBe('webauthn_verification_failed');
      unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
    }
    expect(h.events.filter((e) => e.type === 'account.locked')).toEqual([]);
  });
});
