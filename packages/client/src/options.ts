import type { StepUpRequirement } from './challenge';
import type { MfaClientError, ProblemDetails } from './errors';

/**
 * A `fetch`-compatible function: what `createMfaFetch` takes (its `fetch` option) and returns.
 *
 * @example
 * const mfaFetch: MfaFetch = createMfaFetch({ prompt });
 * const res = await mfaFetch('/api/profile', { headers: { Authorization: `Bearer ${jwt}` } });
 */
export type MfaFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * What the server's RFC 9470 challenge asked, as {@link MfaFetchOptions.prompt} sees it, with the
 * refusal's problem body and the request it refused.
 *
 * @example
 * const prompt: MfaPrompt = (challenge) => {
 *   if (challenge.acrValues?.includes('phrh')) return { passkey: true }; // a hardware key is wanted
 *   return askForCode(challenge.once ? 'Confirm this action with a code' : challenge.description);
 * };
 */
export interface StepUpChallenge extends StepUpRequirement {
  /**
   * `max_age=0`: the proof is for this one request (a step-up grant), not for a session; the
   * next request to such a route asks again.
   */
  once: boolean;
  /** The refusal's problem body: `code` is `mfa_required`, `mfa_stale`, `mfa_method_required`, ... */
  problem?: ProblemDetails;
  /** The request that was refused: its method (upper case) and URL. */
  request: {
    /** The method, in upper case. */
    method: string;
    /** The absolute URL. */
    url: string;
  };
}

/**
 * What the person answered: a code of an authenticator app or hardware token (`{ code }`), a code
 * sent by email or SMS (`{ code, factorId }`, see {@link PromptContext.sendCode}), a recovery code
 * (`{ recoveryCode }`), or a passkey or security key (`{ passkey: true }`, which needs the
 * `startAuthentication` option).
 *
 * @example
 * const answers: PromptAnswer[] = [{ code: '123456' }, { code: '493021', factorId: 'fac_x' }, { recoveryCode: 'ABCD-EFGH-JKLM-NPQR' }, { passkey: true }];
 */
export type PromptAnswer =
  | {
      /** A code from an authenticator app, or one sent by email or SMS. */
      code: string;
      /** For a code sent by email or SMS: the factor it was sent to. */
      factorId?: string;
    }
  | {
      /** One of the user's recovery codes. */
      recoveryCode: string;
    }
  | {
      /** Sign in with a passkey (through `startAuthentication`). */
      passkey: true;
    };

/**
 * One of the user's factors, as `GET /mfa` lists them (never a secret).
 *
 * @example
 * const emailFactors = context.factors?.filter((factor) => factor.kind === 'oob' && factor.channel === 'email');
 */
export interface FactorSummary {
  /** The factor id (`fac_...`), for `{ code, factorId }` and {@link PromptContext.sendCode}. */
  id: string;
  /** `totp`, `hotp`, `webauthn`, or `oob` (a code by email or SMS, see `channel`). */
  kind: 'totp' | 'hotp' | 'webauthn' | 'oob' | (string & {});
  /** The user's name for it, e.g. "Authenticator app". */
  label: string;
  /** For a code by email or SMS. */
  channel?: 'email' | 'sms';
  /** For a code by email or SMS: the masked destination, e.g. `a***@example.com`. */
  hint?: string;
}

/**
 * Where a code was sent by {@link PromptContext.sendCode}.
 *
 * @example
 * const sent: CodeSent = await context.sendCode(factor.id); // { channel: 'email', hint: 'a***@example.com', ... }
 */
export interface CodeSent {
  /** The factor the code went to. */
  factorId: string;
  /** Where it went. */
  channel: 'email' | 'sms';
  /** The masked destination, e.g. `a***@example.com`. */
  hint: string;
  /** When the code lapses (ms since the epoch). */
  expiresAt: number;
}

/**
 * What {@link MfaFetchOptions.prompt} is told besides the challenge.
 *
 * @example
 * const prompt: MfaPrompt = async (challenge, { attempt, error }) =>
 *   dialog.ask(attempt > 1 && error?.code === 'mfa_invalid_code' ? 'Wrong code, try again' : 'Enter the code of your app');
 */
export interface PromptContext {
  /** 1 for the first prompt of this challenge, then 2, 3... up to `maxAttempts`. */
  attempt: number;
  /** Why the previous answer failed (`mfa_invalid_code`, `passkey_failed`, ...); absent on the first attempt. */
  error?: MfaClientError;
  /** The user's factors (`GET /mfa`), to offer a choice; absent when that call failed. */
  factors?: FactorSummary[];
  /**
   * Sends a code by email or SMS (`POST /mfa/challenge`) for one of the user's `oob` factors; the
   * prompt then answers `{ code, factorId }`. Rejects with an {@link MfaClientError}, e.g.
   * `rate_limited` with `retryAfter`.
   */
  sendCode(factorId: string): Promise<CodeSent>;
}

/**
 * Asks the person for a proof: a code, a recovery code or a passkey; `null` to cancel (the
 * request then rejects with {@link MfaClientError} `cancelled`).
 *
 * @example
 * const prompt: MfaPrompt = async (challenge, { error }) => {
 *   const code = window.prompt(`${error ? 'Wrong code. ' : ''}${challenge.description ?? 'Enter your code'}`);
 *   return code === null ? null : { code };
 * };
 */
export type MfaPrompt = (challenge: StepUpChallenge, context: PromptContext) => PromptAnswer | null | Promise<PromptAnswer | null>;

/**
 * Where the MFA session token is kept between requests. The default keeps it in memory, for the
 * life of the `createMfaFetch` function.
 *
 * @example
 * // Kept for the browser tab's life:
 * const session: SessionStore = {
 *   get: () => sessionStorage.getItem('mfa-session'),
 *   set: (token) => (token === null ? sessionStorage.removeItem('mfa-session') : sessionStorage.setItem('mfa-session', token)),
 * };
 */
export interface SessionStore {
  /** The token held, or null. */
  get(): string | null;
  /** Keeps a new token, or forgets it (`null`) once the server refused it as expired. */
  set(token: string | null): void;
}

/**
 * `startAuthentication` of `@simplewebauthn/browser` (v13 and later), or anything that answers
 * the same: it takes the server's `PublicKeyCredentialRequestOptionsJSON` and resolves to the
 * `AuthenticationResponseJSON` to send back.
 *
 * @example
 * import { startAuthentication } from '@simplewebauthn/browser';
 * const mfaFetch = createMfaFetch({ prompt, startAuthentication });
 */
export type StartAuthentication = (options: { optionsJSON: never }) => Promise<unknown>;

/**
 * Headers as `fetch` takes them (a `Headers`, an object, or name and value pairs), or a function
 * giving them at each call, perhaps asynchronously.
 *
 * @example
 * const headers: HeadersSource = async () => ({ Authorization: `Bearer ${await auth.freshAccessToken()}` });
 */
export type HeadersSource = HeadersLike | (() => HeadersLike | Promise<HeadersLike>);

/**
 * `HeadersInit` (as `RequestInit['headers']` names it, in DOM and Node.js types alike).
 *
 * @example
 * const headers: HeadersLike = { Authorization: 'Bearer ...' };
 */
export type HeadersLike = NonNullable<RequestInit['headers']>;

/**
 * The options of `createMfaFetch`. Only `prompt` is required.
 *
 * @example
 * const options: MfaFetchOptions = {
 *   base: 'https://api.example.com/mfa',
 *   headers: () => ({ Authorization: `Bearer ${auth.accessToken}` }),
 *   prompt: async () => ({ code: await askForCode() }),
 * };
 */
export interface MfaFetchOptions {
  /** Asks the person for a proof when a request is challenged; see {@link MfaPrompt}. */
  prompt: MfaPrompt;
  /** The `fetch` that sends every request. @default globalThis.fetch */
  fetch?: MfaFetch;
  /**
   * The URL of the mfakit routes (`POST {base}/verify`, ...). In a browser it is resolved against
   * the page's location; in Node.js it must be absolute (`http://localhost:3000/mfa`).
   * @default '/mfa'
   */
  base?: string | URL;
  /**
   * Headers added to the calls to the `/mfa` routes: the same primary credential the API takes
   * (`Authorization: Bearer <jwt>`), or a function giving them. The API requests keep their own headers.
   * @default none (a browser's cookies go along with same-origin calls)
   */
  headers?: HeadersSource;
  /**
   * The origins of the APIs this `fetch` answers challenges for and sends the session token to.
   * A request to any other origin is sent untouched, and its answer returned as is: the session
   * token never leaves for a third party.
   * @default the origin of `base`
   */
  origins?: readonly string[];
  /** Where the MFA session token is kept. @default in memory */
  session?: SessionStore;
  /** `startAuthentication` of `@simplewebauthn/browser`, for answers `{ passkey: true }`. */
  startAuthentication?: StartAuthentication;
  /** Prompts per challenge: after that many wrong codes the request rejects with the last error. @default 3 */
  maxAttempts?: number;
}
