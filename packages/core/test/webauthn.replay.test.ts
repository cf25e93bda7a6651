// Threat: an attacker who captures a signed WebAuthn response (proxy, logs, malware) replays it, or uses a challenge issued for another ceremony, another user or long ago.
import { SoftAuthenticator } from '@mfakit/testing';
import { assertion, codeOf, enrollPasskey, type Harness, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';

const withWebAuthn = (rest = {}) => setup({ webauthn: WEBAUTHN, ...rest });

const sessionsOf = (h: Harness) => h.events.filter((e) => e.type === 'verification.succeeded').length;

test('a replayed assertion is refused with webauthn_challenge_invalid and opens no session', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  const signed = await assertion(h, alice);
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, signed));
  h.events.length = 0;
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, signed))).toBe('webauthn_challenge_invalid');
  // Still refused once the user has asked for new options (a new challenge exists, not this one).
  unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, signed))).toBe('webauthn_challenge_invalid');
  expect(sessionsOf(h)).toBe(0);
  expect(h.events.filter((e) => e.type === 'verification.failed').map((e) => 'reason' in e && e.reason)).toEqual(['webauthn_challenge_invalid', 'webauthn_challenge_invalid']);
});

test('a replayed attestation is refused: the credential is registered once', async () => {
  const h = withWebAuthn();
  const user = { id: 'alice' };
  const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
  const confirmed = unwrap(await h.mfa.registerWebAuthn({ user }, response));
  expect(codeOf(await h.mfa.registerWebAuthn({ user, sessionToken: confirmed.session.sessionToken }, response))).toBe('webauthn_challenge_invalid');
  expect(await h.store.listFactors('alice')).toHaveLength(1);
});

test('a challenge the server never issued is refused', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
  const madeUp = alice.authenticator.authenticate(options, { challenge: Buffer.alloc(32, 7).toString('base64url') });
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, madeUp))).toBe('webauthn_challenge_invalid');
  // The issued challenge was not spent by the failure.
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options)));
});

describe('a challenge is bound to its ceremony', () => {
  test('a registration challenge cannot be used to sign in', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const registration = unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken }));
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const signed = alice.authenticator.authenticate(options, { challenge: registration.challenge });
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, signed))).toBe('webauthn_challenge_invalid');
    // The registration challenge was not spent by the attempt: it still registers a key.
    unwrap(await h.mfa.registerWebAuthn({ user: alice.user, sessionToken: alice.sessionToken }, new SoftAuthenticator({ origin: ORIGIN }).register(registration)));
  });

  test('an authentication challenge cannot be used to register', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const request = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const creation = unwrap(await h.mfa.webauthnRegistrationOptions({ user: alice.user, sessionToken: alice.sessionToken }));
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(creation, { challenge: request.challenge });
    expect(codeOf(await h.mfa.registerWebAuthn({ user: alice.user, sessionToken: alice.sessionToken }, response))).toBe('webauthn_challenge_invalid');
    expect(await h.store.listFactors('alice')).toHaveLength(1);
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(request)));
  });
});

describe('a challenge is bound to its user', () => {
  test("alice's authentication challenge does not sign bob in", async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h, 'alice');
    const bob = await enrollPasskey(h, 'bob');
    const aliceOptions = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const bobOptions = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: bob.user }));
    const signed = bob.authenticator.authenticate(bobOptions, { challenge: aliceOptions.challenge });
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: bob.user }, signed))).toBe('webauthn_challenge_invalid');
    // Alice's challenge is still hers to use.
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(aliceOptions)));
  });

  test("bob's assertion, sent as alice, is refused", async () => {
    const h = withWebAuthn();
    await enrollPasskey(h, 'alice');
    const bob = await enrollPasskey(h, 'bob');
    const signed = await assertion(h, bob);
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: { id: 'alice' } }, signed))).toBe('webauthn_challenge_invalid');
    expect(sessionsOf(h)).toBe(2); // the two registrations only
  });

  test("alice's registration challenge does not register a key for bob", async () => {
    const h = withWebAuthn();
    const aliceOptions = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'alice' } }));
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(aliceOptions);
    expect(codeOf(await h.mfa.registerWebAuthn({ user: { id: 'bob' } }, response))).toBe('webauthn_challenge_invalid');
    expect(await h.store.listFactors('bob')).toEqual([]);
  });
});

describe('a challenge expires after five minutes', () => {
  test('an assertion signed on time but sent at 5 minutes is refused; at 4:59 it is accepted', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const late = await assertion(h, alice);
    h.clock.advance(5 * 60_000);
    expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, late))).toBe('webauthn_challenge_invalid');
    const onTime = await assertion(h, alice);
    h.clock.advance(5 * 60_000 - 1_000);
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, onTime));
  });

  test('a registration started more than five minutes ago is refused', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
    h.clock.advance(5 * 60_000);
    expect(codeOf(await h.mfa.registerWebAuthn({ user }, response))).toBe('webauthn_challenge_invalid');
    expect(await h.store.listFactors('alice')).toEqual([]);
  });
});

describe('concurrent submissions of one response', () => {
  test.each([
    ['the default throttle', {}],
    ['a throttle that lets all 20 reach the challenge', { throttle: { maxFailures: 100 } }],
  ])('20 concurrent submissions of one assertion: exactly one succeeds (%s)', async (_name, options) => {
    const h = withWebAuthn(options);
    const alice = await enrollPasskey(h);
    const signed = await assertion(h, alice);
    h.events.length = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.authenticateWebAuthn({ user: alice.user }, signed)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(sessionsOf(h)).toBe(1);
    expect((await h.store.getFactor('alice', alice.factorId))?.counter).toBe(1);
    if ('throttle' in options) expect(results.filter((r) => codeOf(r) === 'webauthn_challenge_invalid')).toHaveLength(19);
  });

  test('20 concurrent submissions of one attestation: one credential is stored', async () => {
    const h = withWebAuthn();
    const user = { id: 'alice' };
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })));
    const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.registerWebAuthn({ user }, response)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'webauthn_challenge_invalid')).toHaveLength(19);
    expect(await h.store.listFactors('alice')).toHaveLength(1);
  });
});
