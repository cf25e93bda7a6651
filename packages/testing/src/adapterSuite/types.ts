import type { RequestListener, Server } from 'node:http';
import type { Mfa } from '@mfakit/core';
import type { RateLimit } from '@mfakit/core/http';

/**
 * The step-up window of the apps' `POST /sensitive`, in seconds: a constant, since NestJS sets it
 * in a decorator.
 */
export const ADAPTER_STEP_UP_MAX_AGE = 300;

/**
 * What the adapter suite sets on an app, in the suite's words; the factory hands each to its
 * adapter in the adapter's own form. An absent field leaves the adapter's default.
 */
export interface AdapterAppOptions {
  /**
   * The per-address limit of failures on the routes that check proofs (`rateLimit` of the router
   * or module), or `false` for none. @default the adapter's (100 failures in 15 minutes)
   */
  rateLimit?: RateLimit | false;
  /**
   * The largest JSON body the routes read, in bytes (`bodyLimit`: Express takes it as `'<n>b'`).
   * @default the adapter's (16kb)
   */
  bodyLimit?: number;
  /**
   * Take the client's address from `X-Forwarded-For`, as behind one proxy (Express's and Nest's
   * `trust proxy` of 1 hop, Koa's `app.proxy`), so that a test can choose it. @default false
   */
  trustProxy?: boolean;
}

/** One app of a framework, as its factory hands it to the adapter suite. */
export interface AdapterApp {
  /** A request listener (Express's `app`, Koa's `app.callback()`) or a Node server (NestJS's `app.getHttpServer()`). */
  handler: RequestListener | Server;
  /** Frees what the factory started (e.g. a Nest application). */
  close?(): Promise<void>;
}

/**
 * Builds a tiny app of one framework around `mfa`, as an application would mount mfakit:
 *
 * - the primary authentication is a stand-in: `X-Test-User: <id>` makes the user `{ id }`, no
 *   header leaves the request anonymous; the adapters' default `getUser` reads it;
 * - the enrollment router (or Nest's controller) at `/mfa`, with `options`;
 * - `GET /protected` behind `requireMfa` with its defaults, answering 200
 *   `{ ok: true, user: <the user's id>, mfa: <req.mfa> }`;
 * - `POST /sensitive` behind `requireFreshMfa` with `maxAge` {@link ADAPTER_STEP_UP_MAX_AGE},
 *   answering 200 `{ ok: true, mfa }`;
 * - `GET /hwk-only` behind `requireMfa` with `methods: ['hwk']`, answering 200 `{ ok: true, mfa }`;
 * - `POST /once` behind `requireFreshMfa` with `once: { bindBody: true }`, its JSON body's raw bytes
 *   kept for the digest (the adapter's way: `keepRawBody`, `jsonBody`, Nest's `rawBody: true`),
 *   answering 200 `{ ok: true, mfa }`.
 */
export type AdapterAppFactory = (mfa: Mfa, options: AdapterAppOptions) => AdapterApp | Promise<AdapterApp>;
