/**
 * Threat: a forged, replayed or cloned WebAuthn response, or malformed input, getting through the
 * four WebAuthn routes of the Nest controller, or a passkey session not counting as `hwk` for
 * @RequireMFA({ methods: ['hwk'] }). The routes run end to end here, with a software
 * authenticator standing in for the browser.
 */
import type { WebAuthnOptions } from '@mfakit/core';
import { type AuthenticationOverrides, SoftAuthenticator, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { enrollTotp, expectChallenge, expectProblem, type Harness, makeHarness, SENSITIVE_MAX_AGE } from './helpers';

const ORIGIN = 'http://localhost:3000';
const WEBAUTHN: WebAuthnOptions = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

const harness = () => makeHarness({ mfa: { webauthn: WEBAUTHN } });

const post = (h: Harness, path: string, user: string, sessionToken?: string) => {
  const req = request(h.app).post(`/mfa${path}`).set('X-Test-User', user);
  return sessionToken ? req.set('X-Session-Token', sessionToken) : req;
};

interface Registered {
  key: SoftAuthenticator;
  factorId: string;
  sessionToken: string;
  recoveryCodes?: string[];
}

/** Registers a credential through the controller; a user with a factor passes a fresh session. */
async function register(h: Harness, user: string, key = new SoftAuthenticator({ origin: ORIGIN }), sessionToken?: string, label?: string): Promise<Registered> {
  const options = await post(h, '/webauthn/registration/options', user, sessionToken).expect(200);
  const res = await post(h, '/webauthn/registration', user, sessionToken)
    .send({ response: key.register(options.body), ...(label ? { label } : {}) })
    .expect(201);
  return { key, factorId: res.body.factor.id, sessionToken: res.body.session.sessionToken, recoveryCodes: res.body.recoveryCodes };
}

/** New request options, signed by the key. */
async function signed(h: Harness, user: string, key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
  const options = await post(h, '/webauthn/authentication/options', user).expect(200);
  return key.authenticate(options.body, overrides);
}

describe('registration', () => {
  test('POST /mfa/webauthn/registration/options: 200 creation options, no-store', async () => {
    const h = await harness();
    const res = await post(h, '/webauthn/registration/options', 'alice').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      rp: { id: 'localhost', name: 'Acme' },
      user: { name: 'alice', id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) },
      attestation: 'none',
      excludeCredentials: [],
    });
    expect(Buffer.from(res.body.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  test('POST /mfa/webauthn/registration: 201 {factor, session, recoveryCodes}; the session is hwk and passes MfaGuard', async () => {
    const h = await harness();
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const options = await post(h, '/webauthn/registration/options', 'alice').expect(200);
    const now = h.clock.now();
    const res = await post(h, '/webauthn/registration', 'alice')
      .send({ response: key.register(options.body), label: 'YubiKey 5' })
      .expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      factor: { id: expect.stringMatching(/^fac_/), kind: 'webauthn', label: 'YubiKey 5', createdAt: now },
      session: { sessionToken: expect.stringMatching(/^mfa_/), expiresAt: now + 12 * 3600_000, amr: ['hwk'], authTime: now },
      recoveryCodes: expect.any(Array),
    });
    const { sessionToken } = res.body.session;
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
  });

  test('a second key needs a fresh MFA proof: 401 mfa_required, then mfa_stale with max_age=300', async () => {
    const h = await harness();
    const first = await register(h, 'alice');
    const none = await post(h, '/webauthn/registration/options', 'alice');
    expectProblem(none, 401, 'mfa_required');
    expectChallenge(none);
    h.clock.advanceSeconds(301);
    const stale = await post(h, '/webauthn/registration/options', 'alice', first.sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, 'max_age=300');
  });

  test('the same authenticator again: 409 factor_exists; a replayed attestation: 401 webauthn_challenge_invalid', async () => {
    const h = await harness();
    const key = new SoftAuthenticator({ origin: ORIGIN });
    const options = await post(h, '/webauthn/registration/options', 'alice').expect(200);
    const response = key.register(options.body);
    const res = await post(h, '/webauthn/registration', 'alice').send({ response }).expect(201);
    const { sessionToken } = res.body.session;
    expectProblem(await post(h, '/webauthn/registration', 'alice', sessionToken).send({ response }), 401, 'webauthn_challenge_invalid');
    const again = await post(h, '/webauthn/registration/options', 'alice', sessionToken).expect(200);
    expectProblem(await post(h, '/webauthn/registration', 'alice', sessionToken).send({ response: key.register(again.body, { credentialId: key.credential.id }) }), 409, 'factor_exists');
  });

  test('a phishing origin: 401 webauthn_verification_failed, and no factor', async () => {
    const h = await harness();
    const options = await post(h, '/webauthn/registration/options', 'bob').expect(200);
    const phished = new SoftAuthenticator({ origin: ORIGIN }).register(options.body, { origin: 'https://evil.example' });
    expectProblem(await post(h, '/webauthn/registration', 'bob').send({ response: phished }), 401, 'webauthn_verification_failed');
    expect((await request(h.app).get('/mfa').set('X-Test-User', 'bob').expect(200)).body.factors).toEqual([]);
  });
});

describe('authentication', () => {
  test('POST /mfa/webauthn/authentication/options: 200 listing the keys; 404 factor_not_found without one', async () => {
    const h = await harness();
    const { key } = await register(h, 'alice');
    const res = await post(h, '/webauthn/authentication/options', 'alice').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ rpId: 'localhost', allowCredentials: [{ id: key.credential.id, type: 'public-key' }] });
    expectProblem(await post(h, '/webauthn/authentication/options', 'bob'), 404, 'factor_not_found');
  });

  test('POST /mfa/webauthn/authentication: 200 {sessionToken, expiresAt, amr, authTime, factorId}; @MfaState() shows hwk', async () => {
    const h = await harness();
    const { key, factorId } = await register(h, 'alice');
    h.clock.advanceSeconds(3600);
    const now = h.clock.now();
    const res = await post(h, '/webauthn/authentication', 'alice')
      .send({ response: await signed(h, 'alice', key) })
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['hwk'], authTime: now, factorId });
    const guarded = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
    expect(guarded.body.mfa).toMatchObject({ userId: 'alice', amr: ['hwk'], factorId, authTime: now });
  });

  test('step-up: a passkey session goes stale after maxAge; a new assertion makes it fresh', async () => {
    const h = await harness();
    const { key, sessionToken } = await register(h, 'alice');
    h.clock.advanceSeconds(SENSITIVE_MAX_AGE + 1);
    const stale = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(stale, 401, 'mfa_stale');
    expectChallenge(stale, `max_age=${SENSITIVE_MAX_AGE}`);
    const res = await post(h, '/webauthn/authentication', 'alice', sessionToken)
      .send({ response: await signed(h, 'alice', key) })
      .expect(200);
    await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
  });

  test('a TOTP session lacks hwk: 401 mfa_method_required with acr_values; adding a passkey passes', async () => {
    const h = await harness();
    const alice = await enrollTotp(h, 'alice');
    const denied = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', alice.sessionToken);
    expectProblem(denied, 401, 'mfa_method_required');
    expectChallenge(denied, 'acr_values="hwk"');
    const passkey = await register(h, 'alice', undefined, alice.sessionToken);
    const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', passkey.sessionToken).expect(200);
    expect(res.body.mfa.amr.sort()).toEqual(['hwk', 'otp']);
  });

  test('replay: 401 webauthn_challenge_invalid; a cloned counter: 401 webauthn_counter_regressed', async () => {
    const h = await harness();
    const { key } = await register(h, 'alice');
    const response = await signed(h, 'alice', key);
    await post(h, '/webauthn/authentication', 'alice').send({ response }).expect(200);
    expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response }), 401, 'webauthn_challenge_invalid');
    expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: await signed(h, 'alice', key, { counter: 1 }) }), 401, 'webauthn_counter_regressed');
  });

  test('wrong codes and forged assertions: codes lock, the passkey does not', async () => {
    const h = await harness();
    const alice = await enrollTotp(h, 'alice');
    const { key } = await register(h, 'alice', undefined, alice.sessionToken);
    for (const status of [401, 401, 429]) {
      await post(h, '/verify', 'alice')
        .send({ code: wrongCode(alice.secret, h.clock) })
        .expect(status);
    }
    expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: await signed(h, 'alice', key, { tamperSignature: true }) }), 401, 'webauthn_verification_failed');
    expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: await signed(h, 'alice', key, { userPresent: false }) }), 401, 'webauthn_verification_failed');
    await post(h, '/webauthn/authentication', 'alice')
      .send({ response: await signed(h, 'alice', key) })
      .expect(200);
  });
});

describe('malformed bodies and the webauthn option', () => {
  test.each([
    ['no body', undefined],
    ['response a string', { response: 'eyJpZCI6ImFiYyJ9' }],
    ['response an empty object', { response: {} }],
    ['a body that is an array', [{ response: {} }]],
  ])('%s: 400 invalid_request on both, not counted toward the lockout', async (_name, body) => {
    const h = await harness();
    await register(h, 'alice');
    for (const route of ['/webauthn/registration', '/webauthn/authentication']) {
      const req = post(h, route, 'alice');
      expectProblem(await (body === undefined ? req : req.send(body as object)), 400, 'invalid_request');
    }
    expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
  });

  test.each(['/webauthn/registration/options', '/webauthn/registration', '/webauthn/authentication/options', '/webauthn/authentication'])(
    'without the webauthn option, POST /mfa%s: 404 not_found',
    async (path) => {
      const h = await makeHarness();
      expectProblem(await post(h, path, 'alice').send({ response: {} }), 404, 'not_found');
    },
  );
});
