/**
 * Threat: codes by email or SMS, the user's notifications and the administrators' tools work over
 * HTTP but not on the page a person uses: a code that cannot be found or typed back, a notice that
 * never shows, an exemption or a revocation that the report does not reflect, or an administrator
 * whose stale proof lets an action through. Here headless Chromium drives the page of each demo in
 * DEMOS: alice sets up codes by email with the code from the Demo outbox, is told of it, and
 * verifies with a code sent on request; the administrator sets up an authenticator app, opens the
 * report, exempts bob for a week, revokes alice's factors, is asked for a fresh proof after five
 * minutes, and lifts bob's exemption; bob sees his exemption and alice the revocation.
 *
 * Needs Chromium and playwright-core, as passkey.test.ts. With BROWSER_SHOTS=<folder>, the test
 * also saves screenshots of the page there (the email factor with the outbox, the admin panel).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MfaEvent } from '@mfakit/core';
import type { DemoFactory } from '@mfakit/testing';
import type { Page } from 'playwright-core';
import { AuthenticatorApp, type BrowserDemo, DEMOS, MovableClock, shownSecret, signIn as signInAs, startBrowserDemo } from './lib/harness';

jest.setTimeout(60_000);

const EMAIL = 'alice@example.com';
const HINT = 'a***@example.com';
const REASON = 'Lost phone; the new one arrives on Friday';
const SHOTS = process.env.BROWSER_SHOTS;

for (const demo of DEMOS) describe(demo.name, () => adminScenario(demo.name, demo.create));

function adminScenario(name: string, create: DemoFactory): void {
  const clock = new MovableClock();
  const adminApp = new AuthenticatorApp(clock);
  const events: MfaEvent[] = [];
  let demo: BrowserDemo | undefined;
  let origin = '';
  let page: Page;

  beforeAll(async () => {
    demo = await startBrowserDemo(create, { clock, onEvent: (event) => events.push(event) });
    ({ origin, page } = demo);
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  afterAll(async () => {
    const errors = (await demo?.stop()) ?? [];
    expect(errors).toEqual([]);
  });

  const signIn = (user: string) => signInAs(page, origin, user);
  async function logOut(): Promise<void> {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are signed out.').waitFor();
  }
  const outboxCodes = () => page.locator('#outbox-list li.message code.otp');
  /** The report's row of a user, and one of its cells by column (1-based). */
  const reportRow = (userId: string) => page.locator(`#admin-table tbody tr[data-user-id="${userId}"]`);
  const reportCell = (userId: string, column: number) => reportRow(userId).locator(`td:nth-child(${column})`);
  const total = (term: string) => page.locator('#admin-totals .tile', { has: page.locator(`dt:text-is("${term}")`) }).locator('dd');

  /** With BROWSER_SHOTS, saves the whole page, or only the card `selector` names. */
  async function shot(file: string, selector?: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    // The card's place on the whole page (a clip of a full-page shot is in page coordinates).
    const box = selector
      ? await page.locator(selector).evaluate((el) => {
          const r = el.getBoundingClientRect();
          const view = globalThis as unknown as { scrollX: number; scrollY: number }; // the page's window
          return { x: r.x + view.scrollX, y: r.y + view.scrollY, width: r.width, height: r.height };
        })
      : null;
    const clip = box ? { x: box.x - 8, y: box.y - 8, width: box.width + 16, height: box.height + 16 } : undefined;
    await page.screenshot({ path: path.join(SHOTS, `${name}-${file}.png`), fullPage: true, clip });
  }

  /** Ticks "I have stored these codes" and continues, after a first factor. */
  async function keepRecoveryCodes(): Promise<void> {
    await page.locator('#codes-section').waitFor();
    expect(await page.locator('#codes li').count()).toBe(10);
    await page.getByLabel('I have stored these codes').check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** Waits until the newest code in the outbox is a new one, and returns it. */
  async function newCodeInOutbox(count: number): Promise<string> {
    await page
      .locator('#outbox-list li.message')
      .nth(count - 1)
      .waitFor();
    expect(await page.locator('#outbox-list li.message').count()).toBe(count);
    const code = (await outboxCodes().first().textContent())!;
    expect(code).toMatch(/^\d{6}$/);
    return code;
  }

  describe('codes by email or SMS, the Demo outbox and notifications', () => {
    test('alice sets up codes by email with the code from the Demo outbox, and is told of the new factor', async () => {
      await signIn('alice');
      await page.locator('#outbox-section', { hasText: 'Nothing sent to you yet.' }).waitFor();
      await page.fill('#email-address', EMAIL);
      await page.getByRole('button', { name: 'Send a code by email' }).click();
      await page.locator('#oob-sent', { hasText: `We sent a 6-digit code by email to ${HINT}.` }).waitFor();
      await outboxCodes().first().waitFor();
      await shot('email-confirm-step');

      const code = await newCodeInOutbox(1);
      const message = page.locator('#outbox-list li.message').first();
      await expect(message.textContent()).resolves.toContain(`to ${EMAIL}`);
      await expect(message.textContent()).resolves.toContain('to confirm a new email address or phone number');

      await page.fill('#oob-confirm-code', code);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText(`Codes by email to ${HINT} are set up, and you are verified.`).waitFor();
      await keepRecoveryCodes();

      const item = page.locator('#factor-list li', { hasText: HINT });
      await expect(item.locator('.kind').textContent()).resolves.toBe('Email');
      await expect(item.textContent()).resolves.toContain(`Codes go to ${HINT}.`);
      await page.locator('#status-list dt:text-is("MFA session") + dd', { hasText: `Verified with email address ${HINT} at ` }).waitFor();
      await page.locator('#notices-list li', { hasText: 'Codes by email were added to your account.' }).waitFor();
      await shot('email-factor-and-outbox');
    });

    test('she verifies with a code she asks to be sent: "Send me a code", then the code from the outbox', async () => {
      await page.getByRole('button', { name: 'End MFA session' }).click();
      await page.locator('#verify-section').waitFor();
      await page.getByRole('button', { name: `Send me a code at ${HINT}` }).click();
      await page.getByText(`A code is on its way to ${HINT}.`).waitFor();
      const code = await newCodeInOutbox(2);
      await expect(page.locator('#outbox-list li.message').first().textContent()).resolves.toContain('to verify it is you');
      await shot('verify-send-me-a-code', '#verify-section');
      await page.getByLabel(`6-digit code sent to ${HINT}`).fill(code);
      await page.getByRole('button', { name: 'Verify with this code' }).click();
      await page.getByText(`Verified with a code sent to ${HINT}.`).waitFor();
      await page.locator('#verify-section').waitFor({ state: 'hidden' }); // the status, fetched again, has her session
      expect(events).toContainEqual(expect.objectContaining({ type: 'verification.succeeded', userId: 'alice', kind: 'oob', amr: ['email'] }));
      await shot('verified-by-email');
    });

    test('five minutes later the transfer asks for a fresh proof, and a code she has sent by email gives it', async () => {
      clock.advanceSeconds(301);
      await page.getByRole('button', { name: 'POST /api/transfers' }).click();
      await page.locator('#stepup-title', { hasText: 'POST /api/transfers needs a fresh proof (step-up).' }).waitFor();
      await page.locator('#stepup-reason', { hasText: 'Have a code sent by email or SMS (or use a recovery code), and it is tried again.' }).waitFor();
      await page.getByRole('button', { name: `Send a code to ${HINT}` }).click();
      const code = await newCodeInOutbox(3);
      await page.locator('#stepup-label', { hasText: `6-digit code sent to ${HINT}` }).waitFor();
      await page.fill('#stepup-code', code);
      await shot('stepup-by-email', '#api-section');
      await page.getByRole('button', { name: 'Retry with this code' }).click();
      await page.getByText('Code by email accepted: POST /api/transfers succeeded, and your MFA session was renewed.').waitFor();
      await page.locator('#result-summary', { hasText: 'POST /api/transfers: HTTP 201' }).waitFor();
    });
  });

  describe('the administrators panel', () => {
    test('a person without the admin role sees no admin panel', async () => {
      // alice is still signed in; the panel shows only for GET /api/me roles with 'admin'.
      await page.locator('#notices-section').waitFor();
      expect(await page.locator('#admin-section').isHidden()).toBe(true);
    });

    test('the administrator sets up an authenticator app, and the report shows every demo user', async () => {
      await logOut();
      await signIn('admin');
      await page.locator('#admin-hint', { hasText: 'Set up a factor of your own first' }).waitFor();
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      await page.locator('#enroll-section').waitFor();
      adminApp.secret = await shownSecret(page);
      await page.fill('#confirm-code', adminApp.code());
      await page.getByRole('button', { name: 'Confirm' }).click();
      await keepRecoveryCodes();

      await reportRow('alice').waitFor();
      const users = await page.locator('#admin-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user-id')));
      expect(users).toEqual(['admin', 'alice', 'bob', 'carol', 'svc-reports']);
      await expect(reportCell('alice', 5).textContent()).resolves.toBe(`Email ${HINT}`);
      await expect(reportCell('admin', 5).textContent()).resolves.toBe('Authenticator app');
      await expect(reportCell('bob', 3).textContent()).resolves.toBe('No: missing');
      await expect(reportCell('svc-reports', 4).textContent()).resolves.toBe('Always (service account)');
      await expect(total('Users').textContent()).resolves.toBe('5');
      await expect(total('Exempt').textContent()).resolves.toBe('1');
      await expect(total('Missing a factor').textContent()).resolves.toBe('2');
    });

    test('the administrator exempts bob for a week, with a reason', async () => {
      // The date defaults to a week from today, in the browser's time zone.
      const weekAhead = await page.evaluate(() => {
        const d = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000);
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      });
      await expect(page.locator('#exempt-until').inputValue()).resolves.toBe(weekAhead);
      await page.selectOption('#exempt-user', 'bob');
      await page.fill('#exempt-reason', REASON);
      await page.getByRole('button', { name: 'Exempt', exact: true }).click();
      await page.getByText(/^bob is exempt from MFA until /).waitFor();
      await reportCell('bob', 4)
        .locator('.reason', { hasText: `"${REASON}" (by admin)` })
        .waitFor();
      await expect(total('Exempt').textContent()).resolves.toBe('2');
      await expect(total('Missing a factor').textContent()).resolves.toBe('1');
      const granted = events.find((e) => e.type === 'exemption.granted');
      expect(granted).toMatchObject({ userId: 'bob', by: 'admin', reason: REASON });
      // Midnight at the start of that day, local time: between 6 and 7 days away.
      const days = ((granted as { expiresAt: number }).expiresAt - clock.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6);
      expect(days).toBeLessThanOrEqual(7);
    });

    test("the administrator revokes alice's factors after a confirm step, and the report shows her without one", async () => {
      await reportRow('alice').getByRole('button', { name: 'Revoke the factors of alice' }).click();
      await page.locator('#admin-table .confirm', { hasText: 'Revoke the only factor of alice?' }).waitFor();
      await shot('admin-revoke-confirm', '#admin-section');
      await page.getByRole('button', { name: "Revoke alice's factors" }).click();
      await page.getByText('Removed 1 factor of alice, with the recovery codes, and ended the MFA sessions.').waitFor();
      await reportCell('alice', 5).locator('text=None').waitFor();
      await expect(reportCell('alice', 3).textContent()).resolves.toBe('No: missing');
      expect(await page.locator('#admin-table .confirm').count()).toBe(0);
      expect(events).toContainEqual(expect.objectContaining({ type: 'user.revoked', userId: 'alice', by: 'admin', factorsRemoved: 1 }));
      await shot('admin-panel', '#admin-section');
    });

    test('five minutes later the report asks for a fresh proof, in words, and the app code gives it', async () => {
      clock.advanceSeconds(301);
      await page.getByRole('button', { name: 'Refresh report' }).click();
      await page.locator('#admin-challenge-slot #stepup-title', { hasText: 'Showing the MFA report needs a fresh proof (step-up).' }).waitFor();
      await page.locator('#stepup-reason', { hasText: 'Prove a factor again first (your last proof is older than 5 minutes).' }).waitFor();
      await shot('admin-stale', '#admin-section');
      await page.fill('#stepup-code', adminApp.code());
      await page.getByRole('button', { name: 'Retry with this code' }).click();
      await page.locator('#notice', { hasText: 'Code accepted, and your MFA session was renewed. The report is up to date.' }).waitFor();
      expect(await page.locator('#stepup').isHidden()).toBe(true);
    });
  });

  describe('what the users see', () => {
    test('bob sees his exemption: until when and why', async () => {
      await logOut();
      await signIn('bob');
      await page.locator('#status-list dt:text-is("MFA") + dd', { hasText: /^Exempt until .+: an administrator excused this account from MFA until then$/ }).waitFor();
      await page.locator('#status-list dt:text-is("Why exempt") + dd', { hasText: REASON }).waitFor();
      expect(await page.locator('#admin-section').isHidden()).toBe(true);
    });

    test('alice is told an administrator removed all her factors, and has none left', async () => {
      await logOut();
      await signIn('alice');
      await page.locator('#notices-list li', { hasText: 'An administrator removed all your factors (1)' }).waitFor();
      const notices = await page.locator('#notices-list li .text').allTextContents();
      expect(notices[0]).toMatch(/^An administrator removed all your factors/);
      expect(notices).toContain('Codes by email were added to your account.');
      expect(await page.locator('#factors-block').isHidden()).toBe(true);
    });

    test("the administrator verifies again and lifts bob's exemption", async () => {
      await logOut();
      await signIn('admin');
      await page.locator('#admin-hint', { hasText: 'Verify it is you first (below), and the report shows here.' }).waitFor();
      await page.fill('#verify-code', adminApp.code());
      await page.getByRole('button', { name: 'Verify with code' }).click();
      await reportRow('bob').getByRole('button', { name: 'Lift exemption' }).click();
      await page.getByText('bob is no longer exempt: MFA applies again.').waitFor();
      await expect(reportCell('bob', 4).textContent()).resolves.toBe('No');
      expect(events).toContainEqual(expect.objectContaining({ type: 'exemption.lifted', userId: 'bob', by: 'admin' }));
    });
  });
}
