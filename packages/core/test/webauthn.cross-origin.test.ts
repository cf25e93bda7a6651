// Threat: another site embeds our sign-in or enrollment page in a cross-origin iframe and gets the user to run a WebAuthn ceremony there (clickjacking, UI redress), so that the user's passkey signs in, or a key is added, from a page the user never saw as the top-level site.
import { MfaError } from '@mfakit/core';
import { handleRoute } from '@mfakit/core/http';
import { type CeremonyOverrides, SoftAuthenticator } from '@mfakit/testing';
import { codeOf, enrollPasskey, type Harness, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';
import { contextOf } from '../src/createMfa';

const PARTNER = 'https://partner.example.net'; // on another domain than the RP id: allowed for a top origin
const EVIL = 'https://evil.example';
const EMBEDDED = "The authenticator's response could not be verified: a cross-origin (embedded) ceremony is not allowed here.";

const withWebAuthn = (webauthn = {}) => setup({ webauthn: { ...WEBAUTHN, ...webauthn } });
const clientDataOf = (response: { response: { clientDataJSON: string } }) => JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as Record<string, unknown>;

// Every way a response can say it ran in a frame; none allowed by default.
const embeddings: [string, CeremonyOverrides][] = [
  ['crossOrigin without a topOrigin (as Safari sends it)', { crossOrigin: true }],
  ['crossOrigin under an unknown top origin', { crossOrigin: true, topOrigin: EVIL }],
  ['crossOrigin under the page itself as top origin', { crossOrigin: true, topOrigin: ORIGIN }],
  ['a topOrigin without crossOrigin', { topOrigin: PARTNER }],
];

async function signIn(h: Harness, alice: Awaited<ReturnType<typeof enrollPasskey>>, overrides: CeremonyOverrides) {
  const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
  return h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(options, overrides));
}

async function register(h: Harness, overrides: CeremonyOverrides) {
  const user = { id: 'alice' };
  const key = new SoftAuthenticator({ origin: ORIGIN });
  return h.mfa.registerWebAuthn({ user }, key.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user })), overrides));
}

describe('by default (no webauthn.topOrigins) an embedded ceremony is refused', () => {
  test.each(embeddings)('an assertion with %s: webauthn_verification_failed, no session, counter kept', async (_name, overrides) => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    h.events.length = 0;
    h.logs.length = 0;
    const outcome = await signIn(h, alice, overrides);
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expect(!outcome.ok && outcome.problem.detail).toBe(EMBEDDED);
    expect(h.events.filter((e) => e.type === 'verification.succeeded')).toEqual([]);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'verification.failed', reason: 'webauthn_verification_failed' }));
    expect((await h.store.getFactor('alice', alice.factorId))?.counter).toBe(0);
    // The operators are told why, with the top origin the response named.
    expect(h.logs).toEqual([expect.stringMatching(/^warn: WebAuthn authentication refused: a cross-origin ceremony/)]);
    if (overrides.topOrigin) expect(h.logs[0]).toContain(overrides.topOrigin);
    // The same key, top-level, still signs in.
    unwrap(await signIn(h, alice, {}));
  });

  test.each(embeddings)('a registration with %s: webauthn_verification_failed, nothing stored', async (_name, overrides) => {
    const h = withWebAuthn();
    const outcome = await register(h, overrides);
    expect(codeOf(outcome)).toBe('webauthn_verification_failed');
    expect(!outcome.ok && outcome.problem.detail).toBe(EMBEDDED);
    expect(await h.store.listFactors('alice')).toEqual([]);
    expect(await h.store.getRecoveryCodes('alice')).toBeNull();
    expect(h.events.filter((e) => e.type === 'factor.enrolled')).toEqual([]);
  });

  test('over HTTP: 401 with the fixed detail, which does not echo the top origin', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const framed = alice.authenticator.authenticate(options, { crossOrigin: true, topOrigin: EVIL });
    const answer = await handleRoute(h.mfa, 'webauthnAuthentication', { user: alice.user, params: {}, body: { response: framed } });
    expect(answer).toMatchObject({ status: 401, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' }, body: { code: 'webauthn_verification_failed', detail: EMBEDDED } });
    expect(JSON.stringify(answer.body)).not.toContain('evil');
  });

  test('a top-level response (crossOrigin false, as browsers send it) is accepted', async () => {
    const h = withWebAuthn();
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const response = alice.authenticator.authenticate(options);
    expect(clientDataOf(response)).toMatchObject({ crossOrigin: false });
    unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, response));
    expect(h.logs).toEqual([]);
  });
});

describe('with webauthn.topOrigins, a frame under one of them is accepted, and only that', () => {
  const allowed = { topOrigins: [PARTNER] };

  test('an assertion made in a frame under an allowed top origin signs in', async () => {
    const h = withWebAuthn(allowed);
    const alice = await enrollPasskey(h);
    const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
    const framed = alice.authenticator.authenticate(options, { crossOrigin: true, topOrigin: PARTNER });
    expect(clientDataOf(framed)).toMatchObject({ origin: ORIGIN, crossOrigin: true, topOrigin: PARTNER });
    expect(unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, framed)).amr).toEqual(['hwk']);
  });

  test('a registration made in a frame under an allowed top origin stores the key', async () => {
    const h = withWebAuthn(allowed);
    const confirmed = unwrap(await register(h, { crossOrigin: true, topOrigin: PARTNER }));
    expect(await h.store.listFactors('alice')).toEqual([expect.objectContaining({ id: confirmed.factor.id, kind: 'webauthn' })]);
  });

  test.each(embeddings.filter(([, o]) => o.topOrigin !== ORIGIN))('%s is still refused, for sign-in and registration', async (_name, overrides) => {
    const h = withWebAuthn(allowed);
    const alice = await enrollPasskey(h);
    const outcome = await signIn(h, alice, overrides);
    expect(!outcome.ok && outcome.problem).toEqual({ code: 'webauthn_verification_failed', detail: EMBEDDED });
    const refused = await register(withWebAuthn(allowed), overrides);
    expect(!refused.ok && refused.problem).toEqual({ code: 'webauthn_verification_failed', detail: EMBEDDED });
  });

  test('the frame itself must still be on an allowed origin: a phishing page framed by the partner is refused as an origin failure', async () => {
    const h = withWebAuthn(allowed);
    const alice = await enrollPasskey(h);
    const outcome = await signIn(h, alice, { crossOrigin: true, topOrigin: PARTNER, origin: EVIL });
    expect(!outcome.ok && outcome.problem).toEqual({
      code: 'webauthn_verification_failed',
      detail: "The authenticator's response could not be verified: the page it was made on is not on an allowed origin.",
    });
  });
});

describe('the webauthn.topOrigins option', () => {
  const make = (topOrigins: unknown) => () => setup({ webauthn: { ...WEBAUTHN, topOrigins: topOrigins as string[] } });

  test('defaults to none, and takes origins on any domain', () => {
    expect(contextOf(withWebAuthn().mfa).webauthn?.topOrigins).toEqual([]);
    expect(contextOf(withWebAuthn({ topOrigins: [PARTNER, 'http://localhost:4000'] }).mfa).webauthn?.topOrigins).toEqual([PARTNER, 'http://localhost:4000']);
  });

  test.each([
    ['one origin as a string, not a list', PARTNER],
    ['a number', 42],
    ['an origin with a path', [`${PARTNER}/embed`]],
    ['an origin with a trailing slash', [`${PARTNER}/`]],
    ['an origin that is no URL', ['partner.example.net']],
    ['an origin in capitals', ['https://Partner.example.net']],
    ['an opaque origin', ['null']],
    ['a non-string entry', [42]],
  ])('%s: MfaError invalid_option at construction', (_name, value) => {
    let thrown: unknown;
    try {
      make(value)();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MfaError);
    expect(thrown).toMatchObject({ code: 'invalid_option', message: expect.stringContaining('webauthn.topOrigins') });
  });
});
