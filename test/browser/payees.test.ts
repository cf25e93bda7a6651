/**
 * Threat: a step-up meant for one action authorises another on the page a person uses: the page
 * adds a payee on an MFA session alone, reuses one proof for the next payee, or sends a body other
 * than the one the proof was made for and has it accepted. Here headless Chromium drives the
 * page of each demo in DEMOS: alice adds a payee with her passkey, the challenge box saying in
 * words which payee it confirms, and @mfakit/client gets a step-up grant bound to the exact bytes
 * it sends; the next payee asks again; a request whose account is changed on the way after the
 * grant was made (page.route) is refused, the page saying why, and no payee is added; a code from
 * her authenticator app confirms one too, after a wrong one that the box reports.
 *
 * Needs Chromium and playwright-core, as passkey.test.ts. With BROWSER_SHOTS=<folder>, the test
 * also saves screenshots of the payee card with the challenge box open there.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MfaEvent } from '@mfakit/core';
import { type DemoFactory, wrongCode } from '@mfakit/testing';
import type { Page, Request } from 'playwright-core';
import { AuthenticatorApp, type BrowserDemo, DEMOS, MovableClock, shownSecret, signIn, startBrowserDemo } from './lib/harness';

jest.setTimeout(60_000);

const SHOTS = process.env.BROWSER_SHOTS;
const BOB = { name: 'bob', account: 'DE89 3704 0044 0532 0130 00' };
const CAROL = { name: 'carol', account: 'FR14 2004 1010 0505 0001 3M02 606' };
const MALLORY = 'GB33 BUKB 2020 1555 5555 55';
const DAVE = { name: 'dave', account: 'NL91 ABNA 0417 1643 00' };
const ERIN = { name: 'erin', account: 'BE68 5390 0754 7034' };

for (const demo of DEMOS) describe(demo.name, () => payeeScenario(demo.name, demo.create));

function payeeScenario(name: string, create: DemoFactory): void {
  const clock = new MovableClock();
  const app = new AuthenticatorApp(clock);
  const events: MfaEvent[] = [];
  let demo: BrowserDemo | undefined;
  let page: Page;

  beforeAll(async () => {
    demo = await startWithAuthenticator(create, clock, (event) => events.push(event));
    page = demo.page;
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  afterAll(async () => {
    const errors = (await demo?.stop()) ?? [];
    expect(errors).toEqual([]);
  });

  const isPayeeCall = (url: URL) => url.pathname === '/api/payees';
  const box = () => page.locator('#payee-challenge-slot #stepup');
  const listed = () => page.locator('#payee-list li').evaluateAll((items) => items.map((item) => item.textContent));

  /** Fills in the payee card and clicks "Add payee"; the challenge box opens in the card. */
  async function addPayee(payee: { name: string; account: string }): Promise<void> {
    await page.fill('#payee-name', payee.name);
    await page.fill('#payee-account', payee.account);
    await page.getByRole('button', { name: 'Add payee' }).click();
    await box()
      .locator('#stepup-title', { hasText: `Confirm adding payee ${payee.name} (${payee.account}).` })
      .waitFor();
  }

  /** Keeps every request of the page to POST /api/payees, from now on, in `calls`. */
  function recordPayeeCalls(calls: Request[]): void {
    page.on('request', (request) => {
      if (isPayeeCall(new URL(request.url())) && request.method() === 'POST') calls.push(request);
    });
  }

  /** With BROWSER_SHOTS, saves the payee card (with what is open in it). */
  async function shot(file: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('#payees-section').screenshot({ path: path.join(SHOTS, `payees-${name}-${file}.png`) });
  }

  describe('payees on the demo page, each confirmed on its own, in Chromium', () => {
    const calls: Request[] = [];

    test('alice sets up an authenticator app and a passkey; the payee card has none yet', async () => {
      await signIn(page, demo!.origin, 'alice');
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      app.secret = await shownSecret(page);
      await page.fill('#confirm-code', app.code());
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByLabel('I have stored these codes').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.fill('#passkey-label', 'Laptop');
      await page.getByRole('button', { name: 'Add passkey' }).click();
      await page.getByText("Passkey 'Laptop' added, and you are verified with it.").waitFor();
      await page.locator('#payees-section', { hasText: 'None yet.' }).waitFor();
      recordPayeeCalls(calls);
    });

    test('adding payee bob asks, in words, to confirm that payee; her passkey does, for that body alone', async () => {
      await addPayee(BOB);
      await box()
        .locator('#stepup-reason', {
          hasText: 'It needs a proof made for this request alone, exactly as it is sent: the next one asks again. Enter the code your authenticator app shows now or use your passkey.',
        })
        .waitFor();
      await shot('confirm');
      // Her MFA session, fresh as it is, did not pass: the server challenged the first request.
      expect(calls).toHaveLength(1);
      expect(calls[0]!.headers()['x-mfa-grant']).toBeUndefined();

      const granted = page.waitForResponse((res) => new URL(res.url()).pathname === '/mfa/webauthn/authentication');
      await box().getByRole('button', { name: 'Use a passkey instead' }).click();
      const grant = await granted;
      await page.getByText(`Passkey accepted: payee bob (${BOB.account}) added. That proof was for this payee alone: the next one asks again.`).waitFor();
      await expect(listed()).resolves.toEqual([expect.stringContaining(`bob${BOB.account}`)]);
      expect(await box().isHidden()).toBe(true);

      // The grant was made for POST /api/payees and the digest of the exact bytes sent with it.
      const { action } = grant.request().postDataJSON() as { action: { method: string; path: string; digest: string } };
      expect(grant.status()).toBe(200);
      expect(calls).toHaveLength(2);
      const sent = calls[1]!;
      expect(sent.headers()['x-mfa-grant']).toMatch(/^mfg_/);
      expect(JSON.parse(sent.postData()!)).toEqual(BOB);
      expect(action).toEqual({ method: 'POST', path: '/api/payees', digest: `sha-256=:${createHash('sha256').update(sent.postDataBuffer()!).digest('base64')}:` });
      expect(events).toContainEqual(expect.objectContaining({ type: 'verification.succeeded', userId: 'alice', kind: 'webauthn' }));
    });

    test('the next payee asks again, and is added with a proof of its own', async () => {
      await addPayee(CAROL);
      await box().getByRole('button', { name: 'Use a passkey instead' }).click();
      await page.getByText(`Passkey accepted: payee carol (${CAROL.account}) added.`).waitFor();
      await expect(listed()).resolves.toEqual([expect.stringContaining('carol'), expect.stringContaining('bob')]);
      const grants = calls.map((call) => call.headers()['x-mfa-grant']).filter(Boolean);
      expect(grants).toHaveLength(2);
      expect(new Set(grants).size).toBe(2);
    });

    test('a body changed on the way after the grant was made (another account) is refused, in words, and no payee is added', async () => {
      const changed: number[] = [];
      await page.route(isPayeeCall, async (route) => {
        const request = route.request();
        if (request.headers()['x-mfa-grant'] === undefined) return route.continue();
        const answer = await route.fetch({ postData: JSON.stringify({ ...BOB, account: MALLORY }) });
        changed.push(answer.status());
        await route.fulfill({ response: answer });
      });
      await addPayee(BOB);
      await box().getByRole('button', { name: 'Use a passkey instead' }).click();
      await page.locator('#payee-error', { hasText: 'The request body differs from the one the step-up grant was made for.' }).waitFor();
      await page.unroute(isPayeeCall);
      await shot('refused');
      expect(changed).toEqual([401]);
      await expect(listed()).resolves.toHaveLength(2);
      expect(await box().isHidden()).toBe(true);
      expect(await page.locator('#notice').isHidden()).toBe(true);
    });

    test('a code from her authenticator app confirms a payee, after a wrong code that the box reports and asks again for', async () => {
      await addPayee(DAVE);
      await page.fill('#stepup-code', wrongCode(app.secret, clock));
      await box().getByRole('button', { name: 'Confirm with this code' }).click();
      await box().locator('#stepup-error', { hasText: /\S/ }).waitFor();
      await expect(box().locator('#stepup-title').textContent()).resolves.toBe(`Confirm adding payee dave (${DAVE.account}).`);
      await page.fill('#stepup-code', app.code());
      await box().getByRole('button', { name: 'Confirm with this code' }).click();
      await page.getByText(`Code accepted: payee dave (${DAVE.account}) added.`).waitFor();
      await expect(listed()).resolves.toHaveLength(3);
      await shot('added');
    });

    test('cancelling the box adds nothing and says nothing went wrong', async () => {
      await addPayee(ERIN);
      await box().getByRole('button', { name: 'Cancel' }).click();
      await box().waitFor({ state: 'hidden' });
      expect(await page.locator('#payee-error').isHidden()).toBe(true);
      await expect(listed()).resolves.toHaveLength(3);
    });
  });
}

/** The demo with Chromium, and a virtual authenticator that answers the passkey prompts at once. */
async function startWithAuthenticator(create: DemoFactory, clock: MovableClock, onEvent: (event: MfaEvent) => void): Promise<BrowserDemo> {
  const demo = await startBrowserDemo(create, { clock, onEvent });
  const cdp = await demo.context.newCDPSession(demo.page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return demo;
}
