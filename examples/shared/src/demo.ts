import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Clock, createMfa, type Mfa, type MfaEvent, type MfaLogger, type MfaOptions, systemClock, type WebAuthnOptions } from '@mfakit/core';
import { isServiceUser } from './users';

/** What tests (and each demo's `server.ts`) can set; every field has a development default. */
export interface DemoAppOptions {
  /** The HS256 secret for access tokens. @default 32 random bytes, new for each app */
  jwtSecret?: string;
  /** Step-up window of `POST /api/transfers`, in seconds. @default 300 */
  freshMaxAgeSeconds?: number;
  /** Passed to `createMfa`. @default mfakit's ephemeral development key */
  encryptionKeys?: MfaOptions['encryptionKeys'];
  /** Where mfakit keeps its records (see stores.ts for what `pnpm start` opens). @default memory */
  stores?: MfaOptions['stores'];
  /** mfakit's clock; tests pass a FakeClock. @default the wall clock */
  clock?: Clock;
  /** Where mfakit and the demo write warnings and failures. @default the console */
  logger?: MfaLogger;
  /** mfakit's audit events. @default none */
  onEvent?: (event: MfaEvent) => void;
  /** The per-IP limit on the code-checking routes of `/mfa`. @default the adapter's (30 a minute) */
  rateLimit?: { windowMs: number; limit: number } | false;
  /**
   * mfakit's `webauthn` option, over the demo's relying party: rpID 'localhost', rpName
   * 'mfakit demo', origins `http://localhost:3000`. Set `origins` to where the page is served.
   */
  webauthn?: Partial<WebAuthnOptions>;
}

/** Everything a demo needs, whatever its framework: the core and the settled options. */
export interface DemoSetup {
  mfa: Mfa;
  clock: Clock;
  logger: MfaLogger;
  jwtSecret: string;
  freshMaxAgeSeconds: number;
}

const DEFAULT_FRESH_MAX_AGE_SECONDS = 300;
const MAX_FRESH_MAX_AGE_SECONDS = 86_400;
const DEMO_RELYING_PARTY: WebAuthnOptions = { rpID: 'localhost', rpName: 'mfakit demo', origins: ['http://localhost:3000'] };

/** The largest JSON body the demos accept. */
export const BODY_LIMIT = '16kb';

/** The page: HTML, script and styles, served as static files by every demo. */
export const PUBLIC_DIR = path.join(__dirname, '..', 'public');

/**
 * @simplewebauthn/browser's UMD bundle (`window.SimpleWebAuthnBrowser`), which the page loads from
 * the demo itself (at `/vendor/simplewebauthn-browser.js`) rather than from a CDN.
 */
export const WEBAUTHN_BROWSER_BUNDLE = path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');

/** The demos' logger: warnings and failures on the console, marked [demo]. */
export const consoleLogger: MfaLogger = {
  warn: (message) => console.warn(`[demo] ${message}`),
  error: (message) => console.error(`[demo] ${message}`),
};

/** The demos' mfakit: issuer 'mfakit demo', service users exempt, passkeys on localhost. */
export function demoSetup(options: DemoAppOptions = {}): DemoSetup {
  const freshMaxAgeSeconds = options.freshMaxAgeSeconds ?? DEFAULT_FRESH_MAX_AGE_SECONDS;
  if (!Number.isInteger(freshMaxAgeSeconds) || freshMaxAgeSeconds < 1 || freshMaxAgeSeconds > MAX_FRESH_MAX_AGE_SECONDS) {
    throw new RangeError(`freshMaxAgeSeconds must be an integer from 1 to ${MAX_FRESH_MAX_AGE_SECONDS}, got ${freshMaxAgeSeconds}`);
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const mfa = createMfa({
    issuer: 'mfakit demo',
    encryptionKeys: options.encryptionKeys,
    stores: options.stores,
    exempt: (user) => isServiceUser(user.id),
    clock,
    logger,
    onEvent: options.onEvent,
    webauthn: { ...DEMO_RELYING_PARTY, ...options.webauthn },
  });
  return { mfa, clock, logger, jwtSecret: options.jwtSecret ?? randomBytes(32).toString('base64url'), freshMaxAgeSeconds };
}
