/**
 * Threat: a forged, replayed or cloned WebAuthn response, or malformed input, getting through the
 * four WebAuthn routes of the router, a passkey session not counting as `hwk` where a route asks
 * for it, or a passkey's public key leaking through GET /mfa. The routes run end to end here,
 * with a software authenticator standing in for the browser.
 */
import request from 'supertest';
import { wrongCode } from '../otp';
import { SoftAuthenticator } from '../softAuthenticator';
import { enrolledStatus, enrollTotp, expectChallenge, expectProblem, useApps } from './lib/harness';
import { ORIGIN, post, register, signed, WEBAUTHN } from './lib/webauthn';
import { ADAPTER_STEP_UP_MAX_AGE as SENSITIVE_MAX_AGE, type AdapterAppFactory } from './types';

export function describeWebAuthn(makeApp: AdapterAppFactory): void {
  describe('WebAuthn registration', () => {
    const start = useApps(makeApp);
    const harness = () => start({ mfa: { webauthn: WEBAUTHN } });

    test('POST /mfa/webauthn/registration/options: 200 creation options, no-store', async () => {
      const h = await harness();
      const res = await post(h, '/webauthn/registration/options', 'alice').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        rp: { id: 'localhost', name: 'Acme' },
        user: { name: 'alice', displayName: expect.any(String), id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) },
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
        timeout: 300_000,
      });
      expect(Buffer.from(res.body.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
    });

    test('POST /mfa/webauthn/registration: 201 {factor, session, recoveryCodes}; the session is hwk and passes requireMfa', async () => {
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
        recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)]),
      });
      expect(res.body.recoveryCodes).toHaveLength(10);
      const { sessionToken } = res.body.session;
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    });

    test('a second key needs a fresh MFA proof: 401 mfa_required, then mfa_stale; 201 without new recovery codes when fresh', async () => {
      const h = await harness();
      const first = await register(h, 'alice');
      const none = await post(h, '/webauthn/registration/options', 'alice');
      expectProblem(none, 401, 'mfa_required');
      expectChallenge(none);
      h.clock.advanceSeconds(301);
      const stale = await post(h, '/webauthn/registration/options', 'alice', first.sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, 'max_age=300');

      const verified = await post(h, '/webauthn/authentication', 'alice', first.sessionToken)
        .send({ response: await signed(h, 'alice', first.key) })
        .expect(200);
      const second = await register(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }), verified.body.sessionToken, 'Phone');
      expect(second.recoveryCodes).toBeUndefined();
      const status = await request(h.app).get('/mfa').set('X-Test-User', 'alice').expect(200);
      expect(status.body.factors.map((f: { label: string }) => f.label)).toEqual(['Passkey', 'Phone']);
    });

    test('the same authenticator again: 409 factor_exists', async () => {
      const h = await harness();
      const first = await register(h, 'alice');
      const options = await post(h, '/webauthn/registration/options', 'alice', first.sessionToken).expect(200);
      const again = first.key.register(options.body, { credentialId: first.key.credential.id });
      expectProblem(await post(h, '/webauthn/registration', 'alice', first.sessionToken).send({ response: again }), 409, 'factor_exists');
    });

    test('a replayed attestation: 401 webauthn_challenge_invalid; a phishing origin: 401 webauthn_verification_failed, and no factor', async () => {
      const h = await harness();
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const options = await post(h, '/webauthn/registration/options', 'alice').expect(200);
      const response = key.register(options.body);
      const res = await post(h, '/webauthn/registration', 'alice').send({ response }).expect(201);
      expectProblem(await post(h, '/webauthn/registration', 'alice', res.body.session.sessionToken).send({ response }), 401, 'webauthn_challenge_invalid');

      const otherOptions = await post(h, '/webauthn/registration/options', 'bob').expect(200);
      const phished = new SoftAuthenticator({ origin: ORIGIN }).register(otherOptions.body, { origin: 'https://evil.example' });
      expectProblem(await post(h, '/webauthn/registration', 'bob').send({ response: phished }), 401, 'webauthn_verification_failed');
      expect((await request(h.app).get('/mfa').set('X-Test-User', 'bob').expect(200)).body.factors).toEqual([]);
    });
  });

  describe('WebAuthn authentication', () => {
    const start = useApps(makeApp);
    const harness = () => start({ mfa: { webauthn: WEBAUTHN } });

    test('POST /mfa/webauthn/authentication/options: 200 request options listing the keys; 404 factor_not_found without one', async () => {
      const h = await harness();
      const { key } = await register(h, 'alice');
      const res = await post(h, '/webauthn/authentication/options', 'alice').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', allowCredentials: [{ id: key.credential.id, type: 'public-key', transports: ['usb'] }] });
      expect(Buffer.from(res.body.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
      expectProblem(await post(h, '/webauthn/authentication/options', 'bob'), 404, 'factor_not_found');
    });

    test('POST /mfa/webauthn/authentication: 200 {sessionToken, expiresAt, amr, authTime, factorId}; the session passes requireMfa and a route that needs hwk', async () => {
      const h = await harness();
      const { key, factorId } = await register(h, 'alice');
      h.clock.advanceSeconds(3600);
      const now = h.clock.now();
      const res = await post(h, '/webauthn/authentication', 'alice')
        .send({ response: await signed(h, 'alice', key) })
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/), expiresAt: now + 12 * 3600_000, amr: ['hwk'], authTime: now, factorId });
      const passed = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
      expect(passed.body.mfa).toMatchObject({ userId: 'alice', amr: ['hwk'], factorId, authTime: now });
      const guarded = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
      expect(guarded.body.mfa).toMatchObject({ userId: 'alice', amr: ['hwk'], factorId, authTime: now });
      // The session is alice's only.
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'bob').set('X-Session-Token', res.body.sessionToken), 403, 'mfa_enrollment_required');
    });

    test('step-up: a passkey session passes /sensitive while fresh, is 401 mfa_stale after, and a new assertion makes it fresh', async () => {
      const h = await harness();
      const { key, sessionToken } = await register(h, 'alice');
      await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      h.clock.advanceSeconds(SENSITIVE_MAX_AGE + 1);
      const stale = await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(stale, 401, 'mfa_stale');
      expectChallenge(stale, `max_age=${SENSITIVE_MAX_AGE}`);
      const res = await post(h, '/webauthn/authentication', 'alice', sessionToken)
        .send({ response: await signed(h, 'alice', key) })
        .expect(200);
      await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', res.body.sessionToken).expect(200);
      // The session presented was rotated out.
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_required');
    });

    test('a TOTP session lacks hwk: 401 mfa_method_required with acr_values; adding a passkey proof passes', async () => {
      const h = await harness();
      const alice = await enrollTotp(h, 'alice');
      const denied = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', alice.sessionToken);
      expectProblem(denied, 401, 'mfa_method_required');
      expectChallenge(denied, 'acr_values="phrh"');
      const passkey = await register(h, 'alice', undefined, alice.sessionToken);
      const res = await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', passkey.sessionToken).expect(200);
      expect(res.body.mfa.amr.sort()).toEqual(['hwk', 'otp']);
    });

    test('a synced passkey proves swk and does not pass a route that needs hwk', async () => {
      const h = await harness();
      const { sessionToken } = await register(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }));
      expectProblem(await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 401, 'mfa_method_required');
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    });

    test('replay: 401 webauthn_challenge_invalid; a cloned counter: 401 webauthn_counter_regressed', async () => {
      const h = await harness();
      const { key } = await register(h, 'alice');
      const response = await signed(h, 'alice', key);
      await post(h, '/webauthn/authentication', 'alice').send({ response }).expect(200);
      expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response }), 401, 'webauthn_challenge_invalid');
      expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: await signed(h, 'alice', key, { counter: 1 }) }), 401, 'webauthn_counter_regressed');
      expect(h.events.map((e) => e.type)).toContain('webauthn.counter_regressed');
    });

    test('forged assertions: 401 webauthn_verification_failed each time; none locks, and the genuine one passes', async () => {
      const h = await harness();
      const { key } = await register(h, 'alice');
      for (const forgery of [{ tamperSignature: true }, { rpId: 'evil.example' }, { userPresent: false }]) {
        expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: await signed(h, 'alice', key, forgery) }), 401, 'webauthn_verification_failed');
      }
      await post(h, '/webauthn/authentication', 'alice')
        .send({ response: await signed(h, 'alice', key) })
        .expect(200);
    });

    test('wrong TOTP codes lock codes, never the passkey: forgeries are still 401, the genuine assertion passes', async () => {
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

  describe('WebAuthn routes: malformed bodies', () => {
    const start = useApps(makeApp);
    const routes = ['/webauthn/registration', '/webauthn/authentication'];

    test.each([
      ['no body', undefined],
      ['an empty object (no response)', {}],
      ['response a string', { response: 'eyJpZCI6ImFiYyJ9' }],
      ['response a number', { response: 42 }],
      ['response null', { response: null }],
      ['response an array', { response: [] }],
      ['response an empty object', { response: {} }],
      ['a body that is an array', [{ response: {} }]],
    ])('%s: 400 invalid_request on both, not counted toward the lockout', async (_name, body) => {
      const h = await start({ mfa: { webauthn: WEBAUTHN } });
      await register(h, 'alice');
      for (const route of routes) {
        const req = post(h, route, 'alice');
        expectProblem(await (body === undefined ? req : req.send(body as object)), 400, 'invalid_request');
      }
      expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
    });

    test('a body over 16kb: 413 payload_too_large; invalid JSON: 400 invalid_request', async () => {
      const h = await start({ mfa: { webauthn: WEBAUTHN } });
      for (const route of routes) {
        expectProblem(await post(h, route, 'alice').send({ response: { id: 'A'.repeat(17 * 1024) } }), 413, 'payload_too_large');
        expectProblem(await post(h, route, 'alice').set('Content-Type', 'application/json').send('{"response":'), 400, 'invalid_request');
      }
    });

    test('a field of a response over 16k characters (under a larger bodyLimit): 400 invalid_request, the challenge kept', async () => {
      const h = await start({ mfa: { webauthn: WEBAUTHN }, app: { bodyLimit: 200 * 1024 } });
      const { key } = await register(h, 'alice');
      const response = await signed(h, 'alice', key);
      const huge = [
        { ...response, id: 'A'.repeat(20_000), rawId: 'A'.repeat(20_000) },
        { ...response, response: { ...response.response, signature: 'A'.repeat(100_000) } },
        { ...response, response: { ...response.response, clientDataJSON: 'A'.repeat(50_000) } },
      ];
      for (const body of huge) expectProblem(await post(h, '/webauthn/authentication', 'alice').send({ response: body }), 400, 'invalid_request');
      expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
      await post(h, '/webauthn/authentication', 'alice').send({ response }).expect(200);
    });

    test.each([
      ['a number', 42],
      ['an empty string', ''],
      ['over 64 characters', 'x'.repeat(65)],
      ['an object', { name: 'key' }],
    ])('a label that is %s: 400 invalid_request, and the challenge stays usable', async (_name, label) => {
      const h = await start({ mfa: { webauthn: WEBAUTHN } });
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const options = await post(h, '/webauthn/registration/options', 'alice').expect(200);
      const response = key.register(options.body);
      expectProblem(await post(h, '/webauthn/registration', 'alice').send({ response, label }), 400, 'invalid_request');
      await post(h, '/webauthn/registration', 'alice').send({ response }).expect(201);
    });
  });

  describe('WebAuthn factors in GET /mfa and factor removal', () => {
    const start = useApps(makeApp);

    test('the webauthn factor is listed without its key or credential id; session.factorId names it', async () => {
      const h = await start({ mfa: { webauthn: WEBAUTHN } });
      const { key, factorId, sessionToken } = await register(h, 'alice', undefined, undefined, 'Laptop');
      const res = await request(h.app).get('/mfa').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
      const now = h.clock.now();
      expect(res.body).toEqual(
        enrolledStatus({
          factors: [{ id: factorId, kind: 'webauthn', label: 'Laptop', createdAt: now }],
          session: { amr: ['hwk'], authTime: now, expiresAt: now + 12 * 3600_000, factorId },
        }),
      );
      const stored = await h.factors.getFactor('alice', factorId);
      expect(stored?.kind === 'webauthn' && stored.publicKey).toBeTruthy();
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(stored?.kind === 'webauthn' ? stored.publicKey : 'never');
      expect(text).not.toContain(key.credential.id);
    });

    test('DELETE /mfa/factors/:id with fresh MFA removes the key: sign-in options then answer 404', async () => {
      const h = await start({ mfa: { webauthn: WEBAUTHN, policy: { required: () => false } } }); // opted in: the last factor may go
      const { factorId, sessionToken } = await register(h, 'alice');
      await request(h.app).delete(`/mfa/factors/${factorId}`).set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(204);
      expectProblem(await post(h, '/webauthn/authentication/options', 'alice'), 404, 'factor_not_found');
    });

    test.each(['/webauthn/registration/options', '/webauthn/registration', '/webauthn/authentication/options', '/webauthn/authentication'])(
      'without the webauthn option, POST /mfa%s: 404 not_found',
      async (path) => {
        const h = await start();
        expectProblem(await post(h, path, 'alice').send({ response: {} }), 404, 'not_found');
      },
    );
  });
}
