/**
 * Threat: a forged, replayed, cloned or phished WebAuthn response gets through the demo's passkey
 * routes, a passkey's public key leaks through GET /mfa, or a passkey session skips the step-up
 * check. The routes run end to end, with a software authenticator standing in for the browser;
 * the demo's relying party is 'localhost' and its one allowed origin the one set in `webauthn`.
 */
import type { Test } from 'supertest';
import { totpCode } from '../otp';
import { type AuthenticationOverrides, SoftAuthenticator } from '../softAuthenticator';
import type { DemoFactory } from './types';
import { bearer, CHALLENGE, expectProblem, login, type RunningDemo, withDemo } from './lib/harness';

/** Where the suite's "browser" shows the page; the demo's default origin (port 3000) is then refused. */
const ORIGIN = 'http://localhost:8443';
const WEBAUTHN = { webauthn: { origins: [ORIGIN] } };

interface Passkey {
  key: SoftAuthenticator;
  factorId: string;
  sessionToken: string;
  recoveryCodes?: string[];
}

const post = (demo: RunningDemo, path: string, accessToken: string, sessionToken?: string): Test => {
  const req = bearer(demo.http.post(`/mfa/webauthn${path}`), accessToken);
  return sessionToken ? req.set('X-Session-Token', sessionToken) : req;
};

/** Registers a passkey through the routes; a user who has a factor already sends a fresh session. */
async function register(demo: RunningDemo, accessToken: string, options: { key?: SoftAuthenticator; sessionToken?: string; label?: string } = {}): Promise<Passkey> {
  const key = options.key ?? new SoftAuthenticator({ origin: ORIGIN });
  const creation = await post(demo, '/registration/options', accessToken, options.sessionToken);
  expect(creation.status).toBe(200);
  const res = await post(demo, '/registration', accessToken, options.sessionToken).send({ response: key.register(creation.body), ...(options.label ? { label: options.label } : {}) });
  expect(res.status).toBe(201);
  return { key, factorId: res.body.factor.id, sessionToken: res.body.session.sessionToken, recoveryCodes: res.body.recoveryCodes };
}

/** New request options from the demo, signed by the key (with what the test spoils). */
async function signed(demo: RunningDemo, accessToken: string, key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
  const options = await post(demo, '/authentication/options', accessToken);
  expect(options.status).toBe(200);
  return key.authenticate(options.body, overrides);
}

const profile = (demo: RunningDemo, accessToken: string, sessionToken: string) => bearer(demo.http.get('/api/profile'), accessToken).set('X-Session-Token', sessionToken);

export function describeWebAuthn(makeDemo: DemoFactory): void {
  describe('passkeys through the /mfa/webauthn routes', () => {
    test('registration options: 200 creation options for the demo relying party, no-store', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const res = await post(demo, '/registration/options', await login(demo, 'alice'));
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toMatchObject({ rp: { id: 'localhost', name: 'mfakit demo' }, user: { name: 'alice' }, attestation: 'none', excludeCredentials: [] });
        expect(Buffer.from(res.body.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
      });
    });

    test('a first passkey: 201 {factor, session, recoveryCodes}; its session opens GET /api/profile with amr hwk', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const key = new SoftAuthenticator({ origin: ORIGIN });
        const options = await post(demo, '/registration/options', accessToken);
        const res = await post(demo, '/registration', accessToken).send({ response: key.register(options.body), label: 'YubiKey 5' });
        expect(res.status).toBe(201);
        expect(res.headers['cache-control']).toBe('no-store');
        const now = demo.clock.now();
        expect(res.body).toEqual({
          factor: { id: expect.stringMatching(/^fac_/), kind: 'webauthn', label: 'YubiKey 5', createdAt: now },
          session: { sessionToken: expect.stringMatching(/^mfa_/), expiresAt: expect.any(Number), amr: ['hwk'], authTime: now },
          recoveryCodes: expect.any(Array),
        });
        expect(res.body.recoveryCodes).toHaveLength(10);
        const opened = await profile(demo, accessToken, res.body.session.sessionToken);
        expect(opened.status).toBe(200);
        expect(opened.body.mfa).toMatchObject({ userId: 'alice', amr: ['hwk'], factorId: res.body.factor.id });
      });
    });

    test('GET /mfa lists the passkey without its public key or credential id', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const { key, factorId, sessionToken } = await register(demo, accessToken, { label: 'Laptop' });
        const res = await bearer(demo.http.get('/mfa'), accessToken).set('X-Session-Token', sessionToken);
        expect(res.body).toMatchObject({ enrolled: true, factors: [{ id: factorId, kind: 'webauthn', label: 'Laptop' }], session: { amr: ['hwk'], factorId } });
        const stored = await demo.factors.getFactor('alice', factorId);
        expect(stored?.kind).toBe('webauthn');
        const text = JSON.stringify(res.body);
        if (stored?.kind === 'webauthn') expect(text).not.toContain(stored.publicKey);
        expect(text).not.toContain(key.credential.id);
      });
    });

    test('authentication: the options list the key; the assertion answers 200 {sessionToken, expiresAt, amr, authTime, factorId}', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const { key, factorId } = await register(demo, accessToken);
        demo.clock.advanceSeconds(3600);
        const options = await post(demo, '/authentication/options', accessToken);
        expect(options.status).toBe(200);
        expect(options.headers['cache-control']).toBe('no-store');
        expect(options.body).toMatchObject({ rpId: 'localhost', allowCredentials: [{ id: key.credential.id, type: 'public-key' }] });
        const res = await post(demo, '/authentication', accessToken).send({ response: key.authenticate(options.body) });
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({ sessionToken: expect.stringMatching(/^mfa_/), expiresAt: expect.any(Number), amr: ['hwk'], authTime: demo.clock.now(), factorId });
        expect((await profile(demo, accessToken, res.body.sessionToken)).body.mfa).toMatchObject({ amr: ['hwk'], factorId, authTime: demo.clock.now() });
      });
    });

    test('a user without a passkey: authentication options answer 404 factor_not_found', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        expectProblem(await post(demo, '/authentication/options', await login(demo, 'bob')), 404, 'factor_not_found');
      });
    });

    test('step-up: a stale passkey session is 401 mfa_stale on POST /api/transfers; a new assertion makes it pass and rotates the old session out', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const { key, sessionToken } = await register(demo, accessToken);
        const transfer = (session: string) => bearer(demo.http.post('/api/transfers'), accessToken).set('X-Session-Token', session).send({ amount: 3, to: 'bob' });
        expect((await transfer(sessionToken)).status).toBe(201);
        demo.clock.advanceSeconds(301);
        const stale = await transfer(sessionToken);
        expectProblem(stale, 401, 'mfa_stale');
        expect(stale.headers['www-authenticate']).toMatch(new RegExp(`${CHALLENGE.source}, max_age=300$`));
        const renewed = await post(demo, '/authentication', accessToken, sessionToken).send({ response: await signed(demo, accessToken, key) });
        expect(renewed.status).toBe(200);
        expect((await transfer(renewed.body.sessionToken)).status).toBe(201);
        expectProblem(await profile(demo, accessToken, sessionToken), 401, 'mfa_required');
      });
    });

    test('a second passkey needs a fresh proof: 401 mfa_required without one; 201 with one, and no new recovery codes', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const first = await register(demo, accessToken);
        const none = await post(demo, '/registration/options', accessToken);
        expectProblem(none, 401, 'mfa_required');
        expect(none.headers['www-authenticate']).toMatch(CHALLENGE);
        const second = await register(demo, accessToken, { key: new SoftAuthenticator({ origin: ORIGIN, backupEligible: true }), sessionToken: first.sessionToken, label: 'Phone' });
        expect(second.recoveryCodes).toBeUndefined();
        const status = await bearer(demo.http.get('/mfa'), accessToken);
        expect(status.body.factors.map((f: { label: string }) => f.label)).toEqual(['Passkey', 'Phone']);
      });
    });

    test('a registration made for another origin (phishing) is 401 webauthn_verification_failed and adds no factor', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'bob');
        const options = await post(demo, '/registration/options', accessToken);
        const phished = new SoftAuthenticator({ origin: ORIGIN }).register(options.body, { origin: 'https://evil.example' });
        expectProblem(await post(demo, '/registration', accessToken).send({ response: phished }), 401, 'webauthn_verification_failed');
        expect((await bearer(demo.http.get('/mfa'), accessToken)).body.factors).toEqual([]);
      });
    });

    test('a replayed assertion is 401 webauthn_challenge_invalid; a rolled-back counter (a clone) 401 webauthn_counter_regressed', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'carol');
        const { key, factorId } = await register(demo, accessToken);
        const response = await signed(demo, accessToken, key);
        expect((await post(demo, '/authentication', accessToken).send({ response })).status).toBe(200);
        expectProblem(await post(demo, '/authentication', accessToken).send({ response }), 401, 'webauthn_challenge_invalid');
        const cloned = await signed(demo, accessToken, key, { counter: 1 });
        expectProblem(await post(demo, '/authentication', accessToken).send({ response: cloned }), 401, 'webauthn_counter_regressed');
        expect(demo.events).toContainEqual(expect.objectContaining({ type: 'webauthn.counter_regressed', factorId }));
      });
    });

    test('forged assertions are 401 webauthn_verification_failed each time and lock nothing: the genuine key then signs in', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'bob');
        const { key } = await register(demo, accessToken);
        const send = async (overrides: AuthenticationOverrides) => post(demo, '/authentication', accessToken).send({ response: await signed(demo, accessToken, key, overrides) });
        expectProblem(await send({ tamperSignature: true }), 401, 'webauthn_verification_failed');
        // The demo's default origin is not allowed once `webauthn.origins` names another.
        expectProblem(await send({ origin: 'http://localhost:3000' }), 401, 'webauthn_verification_failed');
        expectProblem(await send({ userPresent: false }), 401, 'webauthn_verification_failed');
        expect((await send({})).status).toBe(200);
      });
    });

    test('the only passkey of a user who must use MFA stays: 409 last_factor; with another factor it goes, and authentication options then answer 404', async () => {
      await withDemo(makeDemo, WEBAUTHN, async (demo) => {
        const accessToken = await login(demo, 'alice');
        const { factorId, sessionToken } = await register(demo, accessToken);
        const remove = (session: string) => bearer(demo.http.delete(`/mfa/factors/${factorId}`), accessToken).set('X-Session-Token', session);
        expectProblem(await remove(sessionToken), 409, 'last_factor');

        // An authenticator app as well (adding it needs the fresh session, at start and at confirmation).
        const started = await bearer(demo.http.post('/mfa/totp'), accessToken).set('X-Session-Token', sessionToken);
        expect(started.status).toBe(201);
        const confirmed = await bearer(demo.http.post(`/mfa/totp/${started.body.factorId}/confirm`), accessToken)
          .set('X-Session-Token', sessionToken)
          .send({ code: totpCode(started.body.secret, demo.clock) });
        expect(confirmed.status).toBe(200);
        const removed = await remove(confirmed.body.session.sessionToken);
        expect(removed.status).toBe(204);
        expect(removed.text).toBe('');
        expectProblem(await post(demo, '/authentication/options', accessToken), 404, 'factor_not_found');
        expect(demo.events).toContainEqual(expect.objectContaining({ type: 'factor.removed', factorId, kind: 'webauthn' }));
      });
    });
  });
}
