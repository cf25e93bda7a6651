/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (never `playwright
 * install`), the demos that serve the page, a clock the tests move, and a demo served on a free
 * port at `http://localhost:PORT` (WebAuthn refuses 127.0.0.1) with a browser page open on it.
 */
import fs from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, MfaEvent } from '@mfakit/core';
import { type Demo, type DemoFactory, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createApp as createExpressApp } from '../../../examples/express/src/app';
import { createApp as createFastifyApp } from '../../../examples/fastify/src/app';
import { createApp as createKoaApp } from '../../../examples/koa/src/app';
import { createApp as createNestApp } from '../../../examples/nestjs/src/app';

const INSTALL_HINT = 'install it with `apt-get update && apt-get install -y chromium` (never `playwright install`), or set CHROMIUM_PATH';
// Debian's package: /usr/bin/chromium is a wrapper script around the binary in /usr/lib/chromium.
const CHROMIUM_PATHS = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOTP_PERIOD_MS = 30_000;

/**
 * The wall clock plus an offset the test moves forward: TOTP codes follow real time (as a phone's
 * would), and a step-up window lapses without sleeping.
 */
export class MovableClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advanceSeconds(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** Where Chromium is; throws with how to install it when it is nowhere. */
export function chromiumPath(): string {
  const found = CHROMIUM_PATHS.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`Chromium is not installed (looked at ${CHROMIUM_PATHS.join(', ')}); the browser tests need it: ${INSTALL_HINT}.`);
  return found;
}

/**
 * The demos that serve the page, each driven through the browser scenarios in its own browser.
 * Every framework's demo belongs here, with a factory like the one its HTTP contract test passes
 * to describeHttpContract.
 */
export const DEMOS: { name: string; create: DemoFactory }[] = [
  {
    name: 'express',
    create: async (options) => {
      const { app, mfa } = createExpressApp(options);
      return { handler: app, mfa };
    },
  },
  {
    name: 'koa',
    create: async (options) => {
      const { app, mfa } = createKoaApp(options);
      return { handler: app.callback(), mfa };
    },
  },
  {
    name: 'fastify',
    create: async (options) => {
      const { app, mfa } = createFastifyApp(options);
      await app.ready();
      return { handler: app.routing, mfa, close: () => app.close() };
    },
  },
  {
    name: 'nestjs',
    create: async (options) => {
      const { app, mfa } = await createNestApp(options);
      await app.init();
      return { handler: app.getHttpServer(), mfa, close: () => app.close() };
    },
  },
];

/**
 * What the test's server hands each request to. A demo that brings its own (not listening) server,
 * as NestJS does, gets the request through that server's own listeners, so that the test can
 * listen first and build the demo for the origin it got.
 */
function requestListener(handler: Demo['handler']): RequestListener {
  return typeof handler === 'function' ? handler : (req, res) => handler.emit('request', req, res);
}

/** A demo on a free port with Chromium open on it; `stop()` closes all and returns the demo's logged errors. */
export interface BrowserDemo {
  origin: string; // http://localhost:PORT: what the browser opens (WebAuthn refuses 127.0.0.1)
  direct: string; // http://127.0.0.1:PORT: where the test's own requests go
  browser: Browser;
  context: BrowserContext;
  page: Page;
  stop(): Promise<string[]>;
}

/** Serves the demo that `create` builds (with this clock and event sink), launches Chromium and opens a page. */
export async function startBrowserDemo(create: DemoFactory, { clock, onEvent }: { clock: Clock; onEvent?: (event: MfaEvent) => void }): Promise<BrowserDemo> {
  const executablePath = chromiumPath();
  const errors: string[] = [];
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  let running: Demo | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await running?.close?.();
    return errors;
  };
  try {
    running = await create({
      clock,
      jwtSecret: 'browser-test-secret-of-at-least-thirty-two-characters',
      encryptionKeys: [{ id: 'test', key: Buffer.alloc(32, 9) }],
      recoveryCodeCost: TEST_RECOVERY_CODE_COST,
      logger: { warn: () => {}, error: (m) => errors.push(m) },
      onEvent,
      webauthn: { origins: [origin] },
    });
    server.on('request', requestListener(running.handler));
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000); // a step that does not happen fails in seconds, not minutes
    return { origin, direct: `http://127.0.0.1:${port}`, browser, context, page, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The code an authenticator app with this secret shows now. Each code is accepted once: when this
 * 30 s step's code was used already, the clock moves to the next step instead of waiting.
 */
export class AuthenticatorApp {
  private lastStep = -1;
  constructor(
    private readonly clock: MovableClock,
    public secret = '',
  ) {}
  code(): string {
    let step = Math.floor(this.clock.now() / TOTP_PERIOD_MS);
    if (step === this.lastStep) {
      this.clock.advanceSeconds((TOTP_PERIOD_MS - (this.clock.now() % TOTP_PERIOD_MS)) / 1000);
      step = Math.floor(this.clock.now() / TOTP_PERIOD_MS);
    }
    this.lastStep = step;
    return totpCode(this.secret, this.clock);
  }
}

/**
 * The TOTP secret the page shows once the enrollment has answered (the element is there, empty,
 * before: reading it at once races the request).
 */
export async function shownSecret(page: Page): Promise<string> {
  const secret = page.locator('#secret', { hasText: /[A-Z2-7]/ });
  await secret.waitFor();
  return (await secret.textContent())!.replace(/\s/g, '');
}

/** Opens the page and signs in as `user` (password `<user>-password`), waiting for the status. */
export async function signIn(page: Page, origin: string, user: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.fill('#username', user);
  await page.fill('#password', `${user}-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#status-section').waitFor();
}
