import type { RequestListener, Server } from 'node:http';
import type { Clock, MfaEvent, MfaLogger, MfaOptions, WebAuthnOptions } from '@mfakit/core';

/**
 * What the HTTP contract suite sets on a demo: a structural copy of the fields of the demos'
 * `DemoAppOptions` (examples/shared/src/demo.ts) that the suite needs, so that @mfakit/testing
 * imports no example. Every field is optional, with the demo's development default.
 */
export interface DemoOptions {
  /** mfakit's clock: the suite passes a FakeClock and moves it instead of sleeping. */
  clock?: Clock;
  /** mfakit's stores: the suite passes a MemoryStore of its own, to read what HTTP does not show (a stored factor). */
  stores?: MfaOptions['stores'];
  /** The HS256 secret of the access tokens; the suite forges tokens with it on purpose. */
  jwtSecret?: string;
  /** Passed to `createMfa`. */
  encryptionKeys?: MfaOptions['encryptionKeys'];
  /** Passed to `createMfa`: the suite lowers it (unsafe outside tests). */
  recoveryCodeCost?: number;
  /**
   * Where mfakit and the demo write warnings and failures (a failure logged is a failed suite),
   * and, with `info`, one line per notice and per code sent.
   */
  logger?: MfaLogger & { info?(message: string): void };
  /** mfakit's audit events. */
  onEvent?: (event: MfaEvent) => void;
  /** The per-IP limit on the code-checking routes of `/mfa`. @default the adapter's (100 failures in 15 minutes) */
  rateLimit?: { windowMs: number; limit: number } | false;
  /** The step-up window of `POST /api/transfers`, in seconds. @default 300 */
  freshMaxAgeSeconds?: number;
  /** mfakit's `webauthn` option, over the demo's relying party (rpID 'localhost', rpName 'mfakit demo'). */
  webauthn?: Partial<WebAuthnOptions>;
}

/** One running demo, as its factory hands it to the suite. */
export interface Demo {
  /**
   * What answers HTTP: a request listener (Express's `app`, Koa's `app.callback()`) or a Node
   * server (NestJS's `app.getHttpServer()`). A server that is not listening yet is started on a
   * free port of 127.0.0.1 by the suite and closed by it; a listening one is left to `close`.
   */
  handler: RequestListener | Server;
  /** Frees what the factory started (an application context, a listening server). */
  close?(): Promise<void>;
}

/**
 * Builds one demo with these options. It must refuse unusable options by rejecting with the
 * original error (a RangeError for `freshMaxAgeSeconds`, MfaError `invalid_option` for keys and
 * origins), as the demos' `createApp` throws them.
 */
export type DemoFactory = (options: DemoOptions) => Promise<Demo>;
