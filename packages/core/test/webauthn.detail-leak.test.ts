// Threat: an attacker sends doctored WebAuthn responses and reads the relying party's configuration (its allowed origins, internal hostnames and ports, RP id) or echoes of its own input from the problem detail, learning where to aim a phishing page.
import { handleRoute } from '@mfakit/core/http';
import { type AuthenticationOverrides, type RegistrationOverrides, SoftAuthenticator } from '@mfakit/testing';
import { codeOf, enrollPasskey, type Harness, setup, unwrap } from './helpers';

// A configuration whose every value is easy to spot in a detail.
const RP_ID = 'acme.test';
const APP = 'https://app.acme.test';
const INTERNAL = 'https://staging-admin.acme.test:8443';
const WEBAUTHN = { rpID: RP_ID, rpName: 'Acme Secret Ops', origins: [APP, INTERNAL] };
const PHISH = 'https://phish.example';

// What no answer may contain: a value of the configuration, or of the response.
const LEAKS = [RP_ID, 'acme', 'staging-admin', '8443', 'Secret Ops', 'phish'];

// The fixed sentence of each class of failure.
const failed = (reason: string) => `The authenticator's response could not be verified: ${reason}.`;
const ORIGIN_NOT_ALLOWED = failed('the page it was made on is not on an allowed origin');
const WRONG_RP = failed('it was made for another relying party');
const NO_USER_VERIFICATION = failed('user verification (a PIN or biometric) is required, and the authenticator did not verify the user');
const DID_NOT_VERIFY = failed('the signature or data did not verify');

const withWebAuthn = (webauthn = {}) => setup({ webauthn: { ...WEBAUTHN, ...webauthn } });
const key = () => new SoftAuthenticator({ origin: APP });

function expectNoLeak(text: string) {
  for (const leak of LEAKS) expect(text).not.toContain(leak);
}

/** A detail is one of the fixed sentences: no URL, nothing quoted from anywhere. */
function expectFixed(detail: unknown, expected: string) {
  expect(detail).toBe(expected);
  expect(detail).not.toMatch(/:\/\/|["`]/);
}

// [name, overrides, expected detail, what the library's reason in the log must name, webauthn options]
type Case<O> = [string, O, string, string, object?];

describe('a refused assertion says which class of check failed, and nothing of the configuration or the response', () => {
  test.each<Case<AuthenticationOverrides>>([
    ['a phishing origin', { origin: PHISH }, ORIGIN_NOT_ALLOWED, PHISH],
    ['an allowed host on another port', { origin: 'https://app.acme.test:444' }, ORIGIN_NOT_ALLOWED, INTERNAL],
    ['another RP id', { rpId: 'phish.example' }, WRONG_RP, 'RP ID'],
    ['no user verification when it is required', { userVerified: false }, NO_USER_VERIFICATION, 'User verification', { userVerification: 'required' }],
    ['a bogus signature', { tamperSignature: true }, DID_NOT_VERIFY, 'verified: false'],
    ['no user presence', { userPresent: false }, DID_NOT_VERIFY, 'not present'],
    ['a registration type in clientDataJSON', { type: 'webauthn.create' }, DID_NOT_VERIFY, 'webauthn.create'],
  ])('%s', async (_name, overrides, detail, logged, webauthn = {}) => {
    const h: Harness = withWebAuthn(webauthn);
    const alice = await enrollPasskey(h, 'alice', key());
    h.logs.length = 0;

    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const outcome = await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options, overrides));
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expectFixed(!outcome.ok && outcome.problem.detail, detail);
    expectNoLeak(JSON.stringify(outcome));

    // The HTTP answer, whole: status line aside, the body is all a client reads.
    const again = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const answer = await handleRoute(h.mfa, 'webauthnAuthentication', { user: alice.user, params: {}, body: { response: alice.authenticator.authenticate(again, overrides) } });
    expect(answer).toMatchObject({ status: 401, body: { code: 'webauthn_verification_failed', detail } });
    expectNoLeak(JSON.stringify(answer.body));

    // The operators still get the library's reason, as a warning (not an error).
    expect(h.logs).toHaveLength(2);
    for (const line of h.logs) expect(line).toMatch(/^warn: WebAuthn authentication refused by @simplewebauthn\/server: /);
    expect(h.logs[0]).toContain(logged);
  });
});

describe('a refused registration says which class of check failed, and nothing of the configuration or the response', () => {
  test.each<Case<RegistrationOverrides>>([
    ['a phishing origin', { origin: PHISH }, ORIGIN_NOT_ALLOWED, PHISH],
    ['another RP id', { rpId: 'phish.example' }, WRONG_RP, 'RP ID'],
    ['no user verification when it is required', { userVerified: false }, NO_USER_VERIFICATION, 'User verification', { userVerification: 'required' }],
    ['no user presence', { userPresent: false }, DID_NOT_VERIFY, 'not present'],
    ['an authentication type in clientDataJSON', { type: 'webauthn.get' }, DID_NOT_VERIFY, 'webauthn.get'],
  ])('%s', async (_name, overrides, detail, logged, webauthn = {}) => {
    const h = withWebAuthn(webauthn);
    const user = { id: 'alice' };
    const outcome = await h.mfa.registerWebAuthn({ user }, key().register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })), overrides));
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expectFixed(!outcome.ok && outcome.problem.detail, detail);
    expectNoLeak(JSON.stringify(outcome));
    expect(await h.store.listFactors('alice')).toEqual([]);

    const answer = await handleRoute(h.mfa, 'webauthnRegistration', {
      user,
      params: {},
      body: { response: key().register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })), overrides) },
    });
    expect(answer).toMatchObject({ status: 401, body: { code: 'webauthn_verification_failed', detail } });
    expectNoLeak(JSON.stringify(answer.body));

    expect(h.logs).toHaveLength(2);
    for (const line of h.logs) expect(line).toMatch(/^warn: WebAuthn registration refused by @simplewebauthn\/server: /);
    expect(h.logs[0]).toContain(logged);
  });
});

test('a reason with line breaks is logged on one line', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h, 'alice', key());
  h.logs.length = 0;
  const forged = alice.authenticator.authenticate(unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user })), { origin: 'https://phish.example\nerror: forged log line' });
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, forged))).toBe('webauthn_verification_failed');
  expect(h.logs).toHaveLength(1);
  expect(h.logs[0]).not.toMatch(/[\r\n]/);
});
