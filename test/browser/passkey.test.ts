/**
 * Threat: a passkey flow that only works against mfakit's own test doubles, or that a forged,
 * replayed or cloned assertion gets through. Here a real browser (headless Chromium with a
 * virtual authenticator from the DevTools protocol) drives the page of each demo in DEMOS as a
 * person would: sign in, set up an authenticator app, add a passkey, verify with it, pass the
 * step-up route with it, remove a factor. Then the same authenticator's assertions are tampered with:
 * a flipped signature byte, a correctly signed assertion without user presence, a replayed
 * assertion and a signature counter rolled back are each refused with their problem code.
 *
 * Needs Chromium (`apt-get install -y chromium`; `.ci/run` installs it) and playwright-core,
 * never `playwright install`. CHROMIUM_PATH overrides where the browser is looked for.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { MfaEvent } from '@mfakit/core';
import type { DemoFactory } from '@mfakit/testing';
import type { CDPSession, Page } from 'playwright-core';
import { AuthenticatorApp, type BrowserDemo, DEMOS, MovableClock, shownSecret, signIn as signInAs, startBrowserDemo } from './lib/harness';

jest.setTimeout(60_000);

const PASSKEY_LABEL = 'MacBook Touch ID';
const UP = 0x01; // authenticator data flags, WebAuthn section 6.1
const UV = 0x04;

for (const demo of DEMOS) describe(demo.name, () => passkeyScenario(demo.create));

/** The scenario against one demo: a server on a free port, Chromium, one virtual authenticator. */
function passkeyScenario(create: DemoFactory): void {
  const clock = new MovableClock();
  const app = new AuthenticatorApp(clock);
  const events: MfaEvent[] = [];
  let demo: BrowserDemo | undefined;
  let origin = ''; // http://localhost:PORT: what the browser opens (WebAuthn refuses 127.0.0.1)
  let direct = ''; // http://127.0.0.1:PORT: where the test's own requests go
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = '';

  beforeAll(async () => {
    demo = await startBrowserDemo(create, { clock, onEvent: (event) => events.push(event) });
    ({ origin, direct, page } = demo);
    cdp = await demo.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  });

  afterAll(async () => {
    const errors = (await demo?.stop()) ?? [];
    expect(errors).toEqual([]);
  });

  // ---- helpers -------------------------------------------------------------------------------
  /** The code the authenticator app shows now (see AuthenticatorApp). */
  const freshTotp = () => app.code();
  const signIn = (user: string) => signInAs(page, origin, user);

  /** The page's access token, for the requests the test makes itself. */
  async function pageAccessToken(): Promise<string> {
    const accessToken = await page.evaluate<string | null>("sessionStorage.getItem('mfakit-demo.accessToken')");
    if (!accessToken) throw new Error('the page holds no access token');
    return accessToken;
  }

  async function post(path: string, body: unknown, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${direct}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The virtual authenticator's one credential (its private key as PKCS#8, its signature counter). */
  async function credential() {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    return credentials[0]!;
  }
  type VirtualCredential = Awaited<ReturnType<typeof credential>>;

  const isAssertion = (url: URL) => url.pathname === '/mfa/webauthn/authentication';
  /** Waits until the status reads this for the MFA session (the page re-renders after each answer). */
  const sessionShows = (text: RegExp) => page.locator('#status-list dt:text-is("MFA session") + dd', { hasText: text }).waitFor();

  /** Ends the page's MFA session, so that the verify box with its passkey button shows. */
  async function endSession(): Promise<void> {
    await page.getByRole('button', { name: 'End MFA session' }).click();
    await page.locator('#verify-section').waitFor();
  }

  /** Clicks "Verify with a passkey" and returns the server's answer to the assertion. */
  async function verifyWithPasskey() {
    const answered = page.waitForResponse((res) => isAssertion(new URL(res.url())) && res.request().method() === 'POST');
    await page.getByRole('button', { name: 'Verify with a passkey' }).click();
    const res = await answered;
    return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
  }

  /**
   * An assertion for `challenge` signed in Node with the credential's own private key, with the
   * flags and counter given: what an authenticator would send, except for what the test changes.
   */
  function forgeAssertion(cred: VirtualCredential, challenge: string, flags: number, counter: number) {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    const authenticatorData = Buffer.concat([createHash('sha256').update('localhost').digest(), Buffer.from([flags]), counterBytes]);
    const signed = Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]);
    const privateKey = createPrivateKey({ key: Buffer.from(cred.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    // Chromium picks the first algorithm the server offers that it supports: Ed25519 (COSE -8)
    // signs the message itself; ES256 (-7) and RS256 (-257) sign its SHA-256 hash.
    const digest = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    const signature = sign(digest, signed, privateKey);
    // The forgery is a genuine signature by the credential's key: only the flags or counter are off.
    expect(verify(digest, signed, createPublicKey(privateKey), signature)).toBe(true);
    const id = Buffer.from(cred.credentialId, 'base64').toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(cred.userHandle ? { userHandle: Buffer.from(cred.userHandle, 'base64').toString('base64url') } : {}),
      },
      clientExtensionResults: {},
    };
  }

  // ---- the page, as a person uses it ---------------------------------------------------------
  describe('passkeys on the demo page, in Chromium', () => {
    let passkeyFactorId = '';

    test('alice signs in, sets up an authenticator app and is shown her recovery codes', async () => {
      await signIn('alice');
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      await page.locator('#enroll-section').waitFor();
      app.secret = await shownSecret(page);
      expect(app.secret).toMatch(/^[A-Z2-7]{16,}$/);
      await page.fill('#confirm-code', freshTotp());
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.locator('#codes-section').waitFor();
      expect(await page.locator('#codes li').count()).toBe(10);
      await page.getByLabel('I have stored these codes').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#passkey-section').waitFor();
    });

    test('her only factor cannot be removed: the page says to set up another one first, and offers no way to', async () => {
      await page.getByRole('button', { name: 'Remove your authenticator app' }).click();
      await page.locator('#factor-list .confirm', { hasText: 'This is your only factor (your authenticator app), and this account must use MFA' }).waitFor();
      expect(await page.getByRole('button', { name: 'Remove it' }).count()).toBe(0);
      await page.getByRole('button', { name: 'OK' }).click();
      expect(await page.locator('#factor-list .confirm').count()).toBe(0);
    });

    test('she adds a passkey named "MacBook Touch ID" (the app code was a fresh proof), and her session now comes from it', async () => {
      await page.fill('#passkey-label', PASSKEY_LABEL);
      await page.getByRole('button', { name: 'Add passkey' }).click();
      await page.getByText(`Passkey '${PASSKEY_LABEL}' added, and you are verified with it.`).waitFor();
      const item = page.locator('#factor-list li', { hasText: PASSKEY_LABEL });
      await expect(item.locator('.kind').textContent()).resolves.toBe('Passkey');
      passkeyFactorId = (await item.getAttribute('data-factor-id'))!;
      expect(passkeyFactorId).toMatch(/^fac_/);
      expect(await page.locator('#factor-list li').count()).toBe(2);
      await sessionShows(new RegExp(`^Verified with passkey '${PASSKEY_LABEL}' at \\d\\d:\\d\\d;`));
      expect((await credential()).rpId).toBe('localhost');
    });

    test('she logs out, signs in again and verifies with the passkey; GET /api/profile answers', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByText('You are signed out.').waitFor();
      await signIn('alice');
      await page.locator('#verify-section').waitFor();
      expect(await verifyWithPasskey()).toMatchObject({ status: 200, body: { factorId: passkeyFactorId, amr: ['hwk'] } });
      await page.getByText(`Verified with passkey '${PASSKEY_LABEL}'.`).waitFor();
      await sessionShows(new RegExp(`^Verified with passkey '${PASSKEY_LABEL}' at `));

      await page.getByRole('button', { name: 'GET /api/profile' }).click();
      await page.locator('#result-summary', { hasText: 'GET /api/profile: HTTP 200' }).waitFor();
      const profile = JSON.parse((await page.locator('#result').textContent())!);
      expect(profile).toMatchObject({ user: { id: 'alice' }, mfa: { factorId: passkeyFactorId, amr: ['hwk'] } });
    });

    test('five minutes later the transfer asks for a fresh proof, and the passkey gives it', async () => {
      clock.advanceSeconds(301);
      await page.getByRole('button', { name: 'POST /api/transfers' }).click();
      await page.locator('#stepup-title', { hasText: 'POST /api/transfers needs a fresh proof (step-up).' }).waitFor();
      await page.locator('#result-summary', { hasText: 'HTTP 401' }).waitFor();
      await page.getByRole('button', { name: 'Use a passkey instead' }).click();
      await page.getByText('Passkey accepted: POST /api/transfers succeeded, and your MFA session was renewed.').waitFor();
      await page.locator('#result-summary', { hasText: 'POST /api/transfers: HTTP 201' }).waitFor();
      expect(await page.locator('#stepup').isHidden()).toBe(true);
    });

    test('a passkey prompt that ends without a passkey (NotAllowedError) is explained in words', async () => {
      // With no passkey for this account on the device, the browser answers NotAllowedError, as
      // when a person cancels the prompt; the page must say so rather than show an exception.
      const cred = await credential();
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: cred.credentialId });
      await endSession();
      await page.getByRole('button', { name: 'Verify with a passkey' }).click();
      await page.locator('#error', { hasText: 'The passkey prompt was cancelled or timed out.' }).waitFor();
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: cred });
    });

    // ---- tampered assertions -----------------------------------------------------------------
    test('(a) an assertion with one signature byte flipped is refused: webauthn_verification_failed, shown in words', async () => {
      // The page has had no MFA session since the cancelled prompt: its verify box is open.
      await page.route(isAssertion, async (route) => {
        const body = route.request().postDataJSON() as { response: { response: { signature: string } } };
        const signature = Buffer.from(body.response.response.signature, 'base64url');
        signature[signature.length - 1]! ^= 0x01;
        body.response.response.signature = signature.toString('base64url');
        await route.continue({ postData: JSON.stringify(body) });
      });
      const answer = await verifyWithPasskey();
      await page.unroute(isAssertion);
      expect(answer).toMatchObject({ status: 401, body: { code: 'webauthn_verification_failed' } });
      await page.locator('#error', { hasText: "The authenticator's response could not be verified" }).waitFor();
      expect(await page.locator('#verify-section').isVisible()).toBe(true);
    });

    test('(c) a captured assertion sent again is refused: webauthn_challenge_invalid', async () => {
      let captured = '';
      await page.route(isAssertion, async (route) => {
        captured = route.request().postData()!;
        await route.continue();
      });
      expect((await verifyWithPasskey()).status).toBe(200);
      await page.unroute(isAssertion);
      expect(captured).not.toBe('');

      const accessToken = await pageAccessToken();
      const replay = await post('/mfa/webauthn/authentication', JSON.parse(captured), accessToken);
      expect(replay).toMatchObject({ status: 401, body: { code: 'webauthn_challenge_invalid' } });

      // The genuine passkey still works afterwards (and the success clears the failure count).
      await endSession();
      expect((await verifyWithPasskey()).status).toBe(200);
    });

    test('(b) a correctly signed assertion without user presence is refused: webauthn_verification_failed', async () => {
      const cred = await credential();
      const accessToken = await pageAccessToken();
      const counter = 1_000_000; // above anything stored, so only the flags can be at fault
      const options = await post('/mfa/webauthn/authentication/options', {}, accessToken);
      expect(options.status).toBe(200);
      const absent = await post('/mfa/webauthn/authentication', { response: forgeAssertion(cred, options.body.challenge as string, UV, counter) }, accessToken);
      // The detail names no cause beyond its class (the library's reason goes to the server's log).
      expect(absent).toMatchObject({
        status: 401,
        body: { code: 'webauthn_verification_failed', detail: "The authenticator's response could not be verified: the signature or data did not verify." },
      });

      // The same forgery with the UP flag set is accepted: the refusal above was for presence alone.
      const again = await post('/mfa/webauthn/authentication/options', {}, accessToken);
      const present = await post('/mfa/webauthn/authentication', { response: forgeAssertion(cred, again.body.challenge as string, UP | UV, counter) }, accessToken);
      expect(present).toMatchObject({ status: 200, body: { factorId: passkeyFactorId } });
    });

    test('(d) the signature counter rolled back (a cloned authenticator) is refused, webauthn_counter_regressed, and the passkey disabled', async () => {
      const cred = await credential();
      expect(cred.signCount).toBeGreaterThan(0); // the virtual authenticator counts each use
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: cred.credentialId });
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...cred, signCount: 0 } });

      await endSession();
      expect(await verifyWithPasskey()).toMatchObject({ status: 401, body: { code: 'webauthn_counter_regressed' } });
      await page.locator('#error', { hasText: 'The signature counter went backwards' }).waitFor();
      expect(events).toContainEqual(expect.objectContaining({ type: 'webauthn.counter_regressed', factorId: passkeyFactorId, receivedCounter: expect.any(Number) }));
      // The credential is disabled until an administrator enables it: even the genuine key is refused now.
      expect(events).toContainEqual(expect.objectContaining({ type: 'factor.disabled', factorId: passkeyFactorId }));
      expect(await post('/mfa/webauthn/authentication/options', {}, await pageAccessToken())).toMatchObject({ status: 403, body: { code: 'factor_disabled' } });
    });

    // ---- removal -----------------------------------------------------------------------------
    test('she removes the passkey: the page asks for a fresh proof, and the app code gives it', async () => {
      await page.reload();
      await page.locator('#verify-section').waitFor(); // the page has no MFA session since (d)
      await page.getByRole('button', { name: `Remove passkey '${PASSKEY_LABEL}'` }).click();
      await page.getByRole('button', { name: 'Remove it' }).click();
      await page.locator('#factor-list .confirm #stepup-title', { hasText: `Removing passkey '${PASSKEY_LABEL}' needs multi-factor authentication.` }).waitFor();
      await page.fill('#stepup-code', freshTotp());
      await page.getByRole('button', { name: 'Retry with this code' }).click();
      await page.getByText(`Removed passkey '${PASSKEY_LABEL}'.`).waitFor();
      await page.locator('#factor-list li', { hasText: PASSKEY_LABEL }).waitFor({ state: 'detached' });
      await expect(page.locator('#factor-list li .kind').allTextContents()).resolves.toEqual(['Authenticator app']);
      await sessionShows(/^Verified with your authenticator app at /);
      expect(events).toContainEqual(expect.objectContaining({ type: 'factor.removed', factorId: passkeyFactorId, kind: 'webauthn' }));
    });
  });
}
