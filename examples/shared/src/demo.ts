import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Clock, createMfa, type Mfa, type MfaEvent, type MfaLogger, type MfaOptions, systemClock, type WebAuthnOptions } from '@mfakit/core';
import type { AdminOptions } from '@mfakit/core/http';
import { type AccountRoutes, accountRoutes } from './account';
import { NoticeBoard } from './notices';
import { Outbox } from './outbox';
import { findUser, isAdmin, isServiceUser, listDemoUsers } from './users';

/**
 * Where the demo writes: mfakit's warnings and failures, and, when `info` is there, one line per
 * notice and per code sent (never a secret or a code).
 */
export interface DemoLogger extends MfaLogger {
  info?(message: string): void;
}

/** What tests (and each demo's `server.ts`) can set; every field has a development default. */
export interface DemoAppOptions {
  /** The HS256 secret for access tokens. @default 32 random bytes, new for each app */
  jwtSecret?: string;
  /** Step-up window of `POST /api/transfers`, in seconds. @default 300 */
  freshMaxAgeSeconds?: number;
  /** Passed to `createMfa`. @default mfakit's ephemeral development key */
  encryptionKeys?: MfaOptions['encryptionKeys'];
  /** Passed to `createMfa`; tests lower it to save time (unsafe outside tests). @default mfakit's (13) */
  recoveryCodeCost?: number;
  /** Where mfakit keeps its records (see stores.ts for what `pnpm start` opens). @default memory */
  stores?: MfaOptions['stores'];
  /** mfakit's clock; tests pass a FakeClock. @default the wall clock */
  clock?: Clock;
  /** Where mfakit and the demo write warnings, failures and (with `info`) notices. @default the console */
  logger?: DemoLogger;
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

/** Everything a demo needs, whatever its framework: the core, the settled options, and what it keeps in memory. */
export interface DemoSetup {
  mfa: Mfa;
  clock: Clock;
  logger: DemoLogger;
  jwtSecret: string;
  freshMaxAgeSeconds: number;
  /** The options of the admin routes at `/mfa/admin`: the admin role may; the report lists the demo users. */
  admin: AdminOptions;
  /** mfakit's notices to each user, as `notify` delivered them. */
  notices: NoticeBoard;
  /** The codes sent by email and SMS (see outbox.ts). */
  outbox: Outbox;
  /** `GET /api/me`, `/api/notifications` and `/api/outbox`. */
  account: AccountRoutes;
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

/** The demos' logger: notices, warnings and failures on the console, marked [demo]. */
export const consoleLogger: DemoLogger = {
  info: (message) => console.log(`[demo] ${message}`),
  warn: (message) => console.warn(`[demo] ${message}`),
  error: (message) => console.error(`[demo] ${message}`),
};

/** What an upstream SSO's token may say to count as an MFA proof at its `auth_time` (RFC 8176 'mfa'). */
const TRUSTED_AMR = ['mfa'];

/**
 * The demos' mfakit: issuer 'mfakit demo', service users exempt, passkeys on localhost, a token
 * with `amr` 'mfa' trusted as an MFA proof (an SSO that did MFA already), notices and codes by
 * email or SMS delivered to memory, and the admin routes' options.
 */
export function demoSetup(options: DemoAppOptions = {}): DemoSetup {
  const freshMaxAgeSeconds = options.freshMaxAgeSeconds ?? DEFAULT_FRESH_MAX_AGE_SECONDS;
  if (!Number.isInteger(freshMaxAgeSeconds) || freshMaxAgeSeconds < 1 || freshMaxAgeSeconds > MAX_FRESH_MAX_AGE_SECONDS) {
    throw new RangeError(`freshMaxAgeSeconds must be an integer from 1 to ${MAX_FRESH_MAX_AGE_SECONDS}, got ${freshMaxAgeSeconds}`);
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const info = (message: string) => logger.info?.(message);
  const notices = new NoticeBoard(info);
  const outbox = new Outbox(clock, info);
  const mfa = createMfa({
    issuer: 'mfakit demo',
    encryptionKeys: options.encryptionKeys,
    recoveryCodeCost: options.recoveryCodeCost,
    stores: options.stores,
    exempt: (user) => isServiceUser(user.id),
    clock,
    logger,
    onEvent: options.onEvent,
    webauthn: { ...DEMO_RELYING_PARTY, ...options.webauthn },
    policy: { trustedAmr: TRUSTED_AMR },
    notify: notices.hooks,
    oob: { send: outbox.send },
  });
  const admin: AdminOptions = {
    // The roles of the demo's user table, looked up again here: never a role a token claims.
    authorize: (user) => isAdmin(findUser(user.id) ?? {}),
    listUsers: listDemoUsers,
  };
  return {
    mfa,
    clock,
    logger,
    jwtSecret: options.jwtSecret ?? randomBytes(32).toString('base64url'),
    freshMaxAgeSeconds,
    admin,
    notices,
    outbox,
    account: accountRoutes(notices, outbox),
  };
}
