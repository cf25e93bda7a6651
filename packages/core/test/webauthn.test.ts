// WebAuthn through the core: creation and request options, registering passkeys and security keys
// as factors, signing in with them, the RFC 8176 values of the session, and the webauthn option.
import { present } from '@mfakit/core/http';
import { MfaError, type WebAuthnOptions } from '@mfakit/core';
import { handleRoute, type RouteName } from '@mfakit/core/http';
import type { WebAuthnFactorRecord } from '@mfakit/core/store';
import { SoftAuthenticator, totpCode, decide } from '@mfakit/testing';
import { cose, isoCBOR } from '@simplewebauthn/server/helpers';
import { assertion, codeOf, enrollPasskey, enrollTotp, type Harness, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';
import { contextOf } from '../src/createMfa';

const withWebAuthn = (webauthn: Partial<WebAuthnOptions> = {}, rest = {}) => setup({ webauthn: { ...WEBAUTHN, ...webauthn }, ...rest });

async function storedCredential(h: Harness, userId: string, factorId: string): Promise<WebAuthnFactorRecord> {
  const factor = await h.store.getFactor(userId, factorId);
  if (factor?.kind !== 'webauthn') throw new Error(`no webauthn factor ${factorId}`);
  return factor;
}

const challengeBytes = (challenge: string) => Buffer.from(challenge, 'base64url').length;

describe('registration options', () => {
  test('a new user: a 32-byte challenge, the RP, ES256 accepted, attestation none, preferred resident key and UV, nothing excluded', async () => {
    const h = withWebAuthn();
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    expect(challengeBytes(options.challenge)).toBeGreaterThanOrEqual(32);
    expect(options.rp).toEqual({ id: 'localhost', name: 'Acme' });
    expect(options.user.name).toBe('alice');
    expect(options.pubKeyCredParams.map((p) => p.alg)).toContain(cose.COSEALG.ES256);
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.excludeCredentials).toEqual([]);
    expect(options.timeout).toBe(5 * 60_000);
  });

  test('every request gets a new challenge; the user handle is stable, opaque and differs per user', async () => {
    const h = withWebAuthn();
    const first = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    const second = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    const bob = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'bob' } }));
    expect(second.challenge).not.toBe(first.challenge);
    expect(second.user.id).toBe(first.user.id);
    expect(bob.user.id).not.toBe(first.user.id);
    expect(Buffer.from(first.user.id, 'base64url').toString('latin1')).not.toContain('alice');
  });

  test('the configured requirements reach the options', async () => {
    const h = withWebAuthn({ userVerification: 'required', residentKey: 'required', attestation: 'direct' });
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    expect(options.attestation).toBe('direct');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
  });

  test("the user's credentials are excluded, with their transports, so an authenticator is not registered twice", async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h, 'alice');
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken }));
    expect(options.excludeCredentials).toEqual([{ id: alice.authenticator.credential.id, type: 'public-key', transports: ['usb'] }]);
    expect(() => alice.authenticator.register(options)).toThrow(/InvalidStateError/);
  });
});

describe('registration', () => {
  test('the first credential: a factor with its key and counter, recovery codes, a session with hwk', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user }));
    const now = h.clock.now();
    const confirmed = unwrap(await h.mfa.registerWebAuthn({ user, ip: '198.51.100.7' }, key.register(options), 'YubiKey'));
    expect(confirmed.factor).toEqual({ id: expect.stringMatching(/^fac_/), kind: 'webauthn', label: 'YubiKey', createdAt: now });
    expect(confirmed.session).toEqual({ sessionToken: expect.stringMatching(/^mfa_/), expiresAt: now + 12 * 3600_000, amr: ['hwk'], authTime: now });
    expect(confirmed.recoveryCodes).toHaveLength(10);

    const stored = await storedCredential(h, 'alice', confirmed.factor.id);
    expect(stored).toEqual({
      id: confirmed.factor.id,
      userId: 'alice',
      kind: 'webauthn',
      label: 'YubiKey',
      createdAt: now,
      credentialId: key.credential.id,
      publicKey: expect.any(String),
      counter: 0,
      transports: ['usb'],
      deviceType: 'singleDevice',
      backedUp: false,
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
    // The stored key is the authenticator's public key, as COSE.
    const coseKey = isoCBOR.decodeFirst<Map<number, Uint8Array>>(new Uint8Array(Buffer.from(stored.publicKey, 'base64url')));
    const jwk = key.credential.publicKey.export({ format: 'jwk' });
    expect(Buffer.from(coseKey.get(cose.COSEKEYS.x)!).toString('base64url')).toBe(jwk.x);
    expect(Buffer.from(coseKey.get(cose.COSEKEYS.y)!).toString('base64url')).toBe(jwk.y);

    expect(h.events).toContainEqual({ type: 'factor.enrolled', userId: 'alice', at: now, ip: '198.51.100.7', factorId: confirmed.factor.id, kind: 'webauthn' });
    expect(h.events).toContainEqual({ type: 'recovery.regenerated', userId: 'alice', at: now, ip: '198.51.100.7', count: 10 });
    const decision = await decide(h.mfa, { user, sessionToken: confirmed.session.sessionToken }, { methods: ['hwk'] });
    expect(decision).toMatchObject({ allow: true, state: { userId: 'alice', amr: ['hwk'], factorId: confirmed.factor.id } });
    const status = await h.mfa.status({ user });
    expect(status).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10, factors: [confirmed.factor] });
  });

  test("without a label the factor is called 'Passkey'", async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    expect((await storedCredential(h, 'alice', alice.factorId)).label).toBe('Passkey');
  });

  test('a synced passkey is stored as multiDevice and backed up, with its transports, and proves swk', async () => {
    const h = withWebAuthn();
    const key = new SoftAuthenticator({ origin: ORIGIN, backupEligible: true });
    const user = { id: 'alice' };
    const confirmed = unwrap(await h.mfa.registerWebAuthn({ user }, key.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })))));
    expect(confirmed.session.amr).toEqual(['swk']);
    expect(await storedCredential(h, 'alice', confirmed.factor.id)).toMatchObject({ deviceType: 'multiDevice', backedUp: true, transports: ['hybrid', 'internal'] });
  });

  test('several credentials per user, each with its label; only the first brings recovery codes', async () => {
    const h = withWebAuthn();
    const first = await enrollPasskey(h, 'alice', undefined, { label: 'Laptop' });
    const second = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }), { sessionToken: first.sessionToken, label: 'Phone' });
    const third = await enrollPasskey(h, 'alice', undefined, { sessionToken: second.sessionToken, label: 'Backup key' });
    expect(second.recoveryCodes).toEqual([]);
    expect(third.recoveryCodes).toEqual([]);
    const factors = (await h.mfa.status({ user: first.user })).factors;
    expect(factors.map((f) => [f.kind, f.label])).toEqual([
      ['webauthn', 'Laptop'],
      ['webauthn', 'Phone'],
      ['webauthn', 'Backup key'],
    ]);
    const ids = new Set(await Promise.all([first, second, third].map(async (k) => (await storedCredential(h, 'alice', k.factorId)).credentialId)));
    expect(ids.size).toBe(3);
    expect((await h.store.getRecoveryCodes('alice'))?.hashes).toHaveLength(10); // the first set, untouched
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: first.user }));
    expect(options.allowCredentials).toHaveLength(3);
  });

  test('a second credential needs a fresh MFA proof: none is mfa_required, an old one mfa_stale', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const key = new SoftAuthenticator({ origin: ORIGIN });
    expect(codeOf(await h.mfa.webauthnRegistrationOptions({ user: alice.user }))).toBe('mfa_required');
    h.clock.advanceSeconds(301);
    const stale = await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken });
    expect(codeOf(stale)).toBe('mfa_stale');
    expect(!stale.ok && stale.problem.challenge).toEqual({ maxAge: 300 });
    expect(present(stale, 200).headers['WWW-Authenticate']).toMatch(/max_age=300$/);
    // A new proof makes the session fresh again.
    const verified = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user, sessionToken: alice.sessionToken }, await assertion(h, alice)));
    await enrollPasskey(h, 'alice', key, { sessionToken: verified.sessionToken });
    expect(await h.mfa.status({ user: alice.user })).toMatchObject({ factors: [expect.anything(), expect.anything()] });
  });

  test('the fresh proof is checked again when the attestation arrives', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken }));
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(options);
    expect(codeOf(await h.mfa.registerWebAuthn({ user: alice.user }, response))).toBe('mfa_required');
    expect((await h.mfa.status({ user: alice.user })).factors).toHaveLength(1);
  });

  test('a user with a TOTP factor needs a fresh proof to add a passkey, and gets no new recovery codes', async () => {
    const h = withWebAuthn();
    const alice = await enrollTotp(h);
    expect(codeOf(await h.mfa.webauthnRegistrationOptions({ user: alice.user }))).toBe('mfa_required');
    const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
    expect(passkey.recoveryCodes).toEqual([]);
    // The new session keeps the TOTP proof and adds the key's.
    const decision = await decide(h.mfa, { user: alice.user, sessionToken: passkey.sessionToken });
    expect(decision.allow && decision.state.amr.sort()).toEqual(['hwk', 'otp']);
  });

  test('the same credential registered again: 409 factor_exists, nothing stored', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken }));
    const again = alice.authenticator.register(options, { credentialId: alice.authenticator.credential.id });
    expect(codeOf(await h.mfa.registerWebAuthn({ user: alice.user, sessionToken: alice.sessionToken }, again))).toBe('factor_exists');
    expect((await h.mfa.status({ user: alice.user })).factors).toHaveLength(1);
  });

  test('a failed registration spends its challenge and stores nothing', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user }));
    expect(codeOf(await h.mfa.registerWebAuthn({ user }, key.register(options, { origin: 'https://evil.example' })))).toBe('webauthn_verification_failed');
    expect(codeOf(await h.mfa.registerWebAuthn({ user }, key.register(options)))).toBe('webauthn_challenge_invalid');
    expect(await h.store.listFactors('alice')).toEqual([]);
    expect(await h.store.getRecoveryCodes('alice')).toBeNull();
  });

  test.each([
    ['unknown names and non-strings among them', ['usb', 'x'.repeat(5000), { $gt: '' }, 7, 'nfc'], ['usb', 'nfc']],
    ['a string instead of a list', 'usb', []],
    ['an object instead of a list', { 0: 'usb' }, []],
  ])('transports from the client are kept only as known names (%s)', async (_name, transports, stored) => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
    const tampered = { ...response, response: { ...response.response, transports } };
    const confirmed = unwrap(await h.mfa.registerWebAuthn({ user }, tampered));
    expect((await storedCredential(h, 'alice', confirmed.factor.id)).transports).toEqual(stored);
  });
});

describe('authentication', () => {
  test('options: a new 32-byte challenge, the RP id, every credential of the user with its transports', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const second = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }), { sessionToken: alice.sessionToken });
    await enrollPasskey(h, 'bob');
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    expect(challengeBytes(options.challenge)).toBeGreaterThanOrEqual(32);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', timeout: 5 * 60_000 });
    expect(options.allowCredentials).toEqual([
      { id: alice.authenticator.credential.id, type: 'public-key', transports: ['usb'] },
      { id: second.authenticator.credential.id, type: 'public-key', transports: ['hybrid', 'internal'] },
    ]);
    const next = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    expect(next.challenge).not.toBe(options.challenge);
  });

  test('a user without a WebAuthn credential: 404 factor_not_found, also when the user has TOTP', async () => {
    const h = withWebAuthn();
    expect(codeOf(await h.mfa.webauthnAuthenticationOptions({ user: { id: 'nobody' } }))).toBe('factor_not_found');
    const alice = await enrollTotp(h);
    expect(codeOf(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }))).toBe('factor_not_found');
    const key = new SoftAuthenticator({ origin: ORIGIN });
    key.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken })));
    const forged = key.authenticate({ challenge: 'AAAA', rpId: 'localhost' });
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, forged))).toBe('factor_not_found');
  });

  test('an assertion opens a session: sessionToken, expiresAt, amr hwk, authTime, factorId; the counter moves', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    h.clock.advanceSeconds(60);
    const now = h.clock.now();
    h.events.length = 0;
    const verified = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user, ip: '198.51.100.7' }, await assertion(h, alice)));
    expect(verified).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['hwk'], authTime: now, factorId: alice.factorId });
    expect((await storedCredential(h, 'alice', alice.factorId)).counter).toBe(1);
    expect(h.events).toEqual([{ type: 'verification.succeeded', userId: 'alice', at: now, ip: '198.51.100.7', factorId: alice.factorId, kind: 'webauthn', amr: ['hwk'] }]);
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
    expect((await storedCredential(h, 'alice', alice.factorId)).counter).toBe(2);
  });

  test('with several credentials, each signs in and the session names the one used', async () => {
    const h = withWebAuthn();
    const laptop = await enrollPasskey(h);
    const phone = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }), { sessionToken: laptop.sessionToken });
    const viaPhone = unwrap(await h.mfa.authenticateWebAuthn({ user: laptop.user }, await assertion(h, phone)));
    expect(viaPhone).toMatchObject({ factorId: phone.factorId, amr: ['swk'] });
    const viaLaptop = unwrap(await h.mfa.authenticateWebAuthn({ user: laptop.user }, await assertion(h, laptop)));
    expect(viaLaptop).toMatchObject({ factorId: laptop.factorId, amr: ['hwk'] });
  });

  test('a passkey session passes requireMfa methods hwk and step-up, not methods otp', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    h.clock.advanceSeconds(600);
    const { sessionToken } = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
    const req = { user: alice.user, sessionToken };
    expect((await decide(h.mfa, req, { methods: ['hwk'] })).allow).toBe(true);
    expect((await decide(h.mfa, req, { methods: ['hwk'], maxAge: 300 })).allow).toBe(true);
    const otp = await decide(h.mfa, req, { methods: ['otp'] });
    expect(!otp.allow && otp.response.body).toMatchObject({ code: 'mfa_method_required' });
    h.clock.advanceSeconds(301);
    const stale = await decide(h.mfa, req, { maxAge: 300 });
    expect(!stale.allow && stale.response.body).toMatchObject({ code: 'mfa_stale' });
    const again = unwrap(await h.mfa.authenticateWebAuthn(req, await assertion(h, alice)));
    expect((await decide(h.mfa, { user: alice.user, sessionToken: again.sessionToken }, { methods: ['hwk'], maxAge: 300 })).allow).toBe(true);
    // Rotation: the token presented is replaced.
    expect((await decide(h.mfa, req)).allow).toBe(false);
  });

  test('a passkey proof adds to a TOTP session: amr otp and hwk, each with its own time', async () => {
    const h = withWebAuthn();
    const alice = await enrollTotp(h);
    const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
    h.clock.advanceSeconds(400);
    const verified = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user, sessionToken: passkey.sessionToken }, await assertion(h, passkey)));
    expect(verified.amr.sort()).toEqual(['hwk', 'otp']);
    const req = { user: alice.user, sessionToken: verified.sessionToken };
    expect((await decide(h.mfa, req, { methods: ['hwk'], maxAge: 300 })).allow).toBe(true);
    expect((await decide(h.mfa, req, { methods: ['otp'], maxAge: 300 })).allow).toBe(false); // the TOTP proof is 400 s old
    h.clock.advanceSeconds(30);
    unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  });
});

describe('amr values (RFC 8176)', () => {
  test.each([
    ['a security key with UV', { userVerified: true }, {}, ['hwk']],
    ['a security key tested for presence only', { userVerified: false }, {}, ['hwk', 'user']],
    ['a synced passkey with UV', { backupEligible: true }, {}, ['swk']],
    ['a synced passkey, presence only', { backupEligible: true, userVerified: false }, {}, ['swk', 'user']],
    ['UV counted as MFA', { userVerified: true }, { userVerifiedIsMfa: true }, ['hwk', 'mfa']],
    ['a synced passkey, UV counted as MFA', { backupEligible: true }, { userVerifiedIsMfa: true }, ['swk', 'mfa']],
    ['presence only is never MFA', { userVerified: false }, { userVerifiedIsMfa: true }, ['hwk', 'user']],
  ])('%s: %j %j', async (_name, key, webauthn, amr) => {
    const h = withWebAuthn(webauthn);
    const alice = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, ...key }));
    const session = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken });
    expect(session.allow && session.state.amr).toEqual(amr);
    const verified = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice)));
    expect(verified.amr).toEqual(amr);
    const mfaOnly = await decide(h.mfa, { user: alice.user, sessionToken: verified.sessionToken }, { methods: ['mfa'] });
    expect(mfaOnly.allow).toBe(amr.includes('mfa'));
  });

  test('UV is judged per assertion, not per credential', async () => {
    const h = withWebAuthn({ userVerifiedIsMfa: true });
    const alice = await enrollPasskey(h);
    const presenceOnly = unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, alice, { userVerified: false })));
    expect(presenceOnly.amr).toEqual(['hwk', 'user']);
  });
});

describe('the webauthn option', () => {
  const make = (webauthn: unknown) => () => setup({ webauthn: webauthn as WebAuthnOptions });

  test.each([
    ['rpID with a scheme', { rpID: 'https://localhost' }],
    ['rpID with a port', { rpID: 'localhost:3000' }],
    ['rpID with a space', { rpID: 'local host' }],
    ['an empty rpID', { rpID: '' }],
    ['a numeric rpID', { rpID: 42 }],
    ['an origin on another domain', { origins: ['http://example.com'] }],
    ['an origin that only ends like the rpID', { rpID: 'example.com', origins: ['https://evilexample.com'] }],
    ['an origin with a path', { origins: ['http://localhost:3000/login'] }],
    ['an origin with a trailing slash', { origins: ['http://localhost:3000/'] }],
    ['an origin that is no URL', { origins: ['localhost:3000'] }],
    ['no origins', { origins: [] }],
    ['origins not a list', { origins: 42 }],
    ['a missing rpName', { rpName: undefined }],
    ['a blank rpName', { rpName: '  ' }],
    ['a bad userVerification', { userVerification: 'always' }],
    ['a bad residentKey', { residentKey: true }],
    ['a bad attestation', { attestation: 'enterprise' }],
    ['a non-boolean userVerifiedIsMfa', { userVerifiedIsMfa: 'yes' }],
  ])('%s: MfaError invalid_option at construction', (_name, change) => {
    let thrown: unknown;
    try {
      make({ ...WEBAUTHN, ...change })();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MfaError);
    expect(thrown).toMatchObject({ code: 'invalid_option', message: expect.stringContaining('webauthn') });
  });

  test.each([null, 'localhost', 42])('webauthn %j: MfaError invalid_option', (value) => {
    expect(make(value)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });

  test('valid settings: a subdomain origin, one origin as a string, the defaults filled in', () => {
    const h = setup({ webauthn: { rpID: 'example.com', rpName: ' Acme ', origins: 'https://app.example.com' } });
    expect(contextOf(h.mfa).webauthn).toEqual({
      rpID: 'example.com',
      rpName: 'Acme',
      origins: ['https://app.example.com'],
      topOrigins: [],
      userVerification: 'preferred',
      attestation: 'none',
      residentKey: 'preferred',
      userVerifiedIsMfa: false,
    });
    expect(contextOf(setup({ webauthn: { ...WEBAUTHN, origins: ['https://example.com', 'https://login.example.com:8443'], rpID: 'example.com' } }).mfa).webauthn?.origins).toHaveLength(2);
  });
});

describe('without the webauthn option', () => {
  test('the four operations answer not_found', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const req = { user: alice.user, sessionToken: alice.sessionToken };
    expect(contextOf(h.mfa).webauthn).toBeNull();
    expect(codeOf(await h.mfa.webauthnRegistrationOptions(req))).toBe('not_found');
    expect(codeOf(await h.mfa.registerWebAuthn(req, {}))).toBe('not_found');
    expect(codeOf(await h.mfa.webauthnAuthenticationOptions(req))).toBe('not_found');
    expect(codeOf(await h.mfa.authenticateWebAuthn(req, {}))).toBe('not_found');
  });

  test.each<RouteName>(['webauthnRegistrationOptions', 'webauthnRegistration', 'webauthnAuthenticationOptions', 'webauthnAuthentication'])('route %s: 404 not_found problem', async (name) => {
    const h = setup();
    const answer = await handleRoute(h.mfa, name, { user: { id: 'alice' }, params: {}, body: { response: {} } });
    expect(answer.status).toBe(404);
    expect(answer.headers['Content-Type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.body).toMatchObject({ code: 'not_found', status: 404 });
  });
});

describe('the software authenticator of these tests', () => {
  test('answers in the JSON form of @simplewebauthn/browser, with a browser-shaped clientDataJSON', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const creation = unwrap(await h.mfa.webauthnRegistrationOptions({ user }));
    const registration = key.register(creation);
    expect(Object.keys(registration)).toEqual(['id', 'rawId', 'response', 'type', 'clientExtensionResults', 'authenticatorAttachment']);
    expect(Object.keys(registration.response)).toEqual(['attestationObject', 'clientDataJSON', 'transports', 'publicKeyAlgorithm', 'publicKey', 'authenticatorData']);
    expect(registration).toMatchObject({ type: 'public-key', authenticatorAttachment: 'cross-platform', clientExtensionResults: { credProps: { rk: true } } });
    expect(Buffer.from(registration.response.clientDataJSON, 'base64url').toString()).toBe(`{"type":"webauthn.create","challenge":"${creation.challenge}","origin":"${ORIGIN}","crossOrigin":false}`);
    for (const value of [registration.id, registration.response.attestationObject, registration.response.publicKey!, registration.response.authenticatorData!])
      expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    const attestation = isoCBOR.decodeFirst<Map<string, unknown>>(new Uint8Array(Buffer.from(registration.response.attestationObject, 'base64url')));
    expect([...attestation.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
    expect(attestation.get('fmt')).toBe('none');
    unwrap(await h.mfa.registerWebAuthn({ user }, registration));

    const request = unwrap(await h.mfa.webauthnAuthenticationOptions({ user }));
    const signed = key.authenticate(request);
    expect(Object.keys(signed)).toEqual(['id', 'rawId', 'response', 'type', 'clientExtensionResults', 'authenticatorAttachment']);
    expect(Object.keys(signed.response)).toEqual(['authenticatorData', 'clientDataJSON', 'signature', 'userHandle']);
    expect(signed.response.userHandle).toBe(creation.user.id);
    expect(Buffer.from(signed.response.clientDataJSON, 'base64url').toString()).toBe(`{"type":"webauthn.get","challenge":"${request.challenge}","origin":"${ORIGIN}","crossOrigin":false}`);
    const authData = Buffer.from(signed.response.authenticatorData, 'base64url');
    expect(authData).toHaveLength(37); // rpIdHash, flags, signCount: no attested data in an assertion
    expect(authData[32]).toBe(0x01 | 0x04); // UP and UV
    expect(authData.readUInt32BE(33)).toBe(1);
    // JSON round trip, as over HTTP.
    unwrap(await h.mfa.authenticateWebAuthn({ user }, JSON.parse(JSON.stringify(signed))));
  });

  test('like a browser, it refuses options for an RP id its origin does not belong to', async () => {
    const h = withWebAuthn();
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    expect(() => new SoftAuthenticator({ origin: 'https://evil.example' }).register(options)).toThrow(/SecurityError/);
  });
});
