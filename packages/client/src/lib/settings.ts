import { MfaClientError } from '../errors';
import type { HeadersSource, MfaFetch, MfaFetchOptions, MfaPrompt, SessionStore, StartAuthentication } from '../options';

/** The options of `createMfaFetch`, checked once, with their defaults. */
export interface Settings {
  prompt: MfaPrompt;
  fetch: MfaFetch;
  /** The absolute URL of the mfakit routes, without a trailing slash. */
  base: string;
  /** The API origins whose requests are answered and carry the session token. */
  origins: ReadonlySet<string>;
  headers: HeadersSource | undefined;
  session: SessionStore;
  startAuthentication: StartAuthentication | undefined;
  maxAttempts: number;
}

const DEFAULT_BASE = '/mfa';
// The server locks an account after 3 failed codes by default (mfakit's throttle.maxFailures);
// three prompts let the person see every failure before the lock.
const DEFAULT_MAX_ATTEMPTS = 3;

/** The page's location in a browser; undefined in Node.js. */
export const pageLocation = (): string | undefined => (globalThis as { location?: { href?: string } }).location?.href;

const invalid = (message: string): never => {
  throw new MfaClientError('invalid_option', `createMfaFetch: ${message}`);
};

/** Checks the options and fills in the defaults; throws {@link MfaClientError} `invalid_option`. */
export function settingsOf(options: MfaFetchOptions): Settings {
  if (options === null || typeof options !== 'object') return invalid('pass an options object, e.g. { prompt }');
  const { prompt, headers, session, startAuthentication } = options;
  if (typeof prompt !== 'function') invalid('prompt must be a function asking the person for a code, e.g. async () => ({ code: await ask() })');
  // A browser's fetch must be called on the window: kept unbound (as `settings.fetch(...)` calls
  // it), it throws "Illegal invocation".
  const fetch = options.fetch ?? (typeof globalThis.fetch === 'function' ? (((input, init) => globalThis.fetch(input, init)) as MfaFetch) : undefined);
  if (typeof fetch !== 'function') invalid('no global fetch here: pass the fetch option');
  if (headers === null) invalid('headers must be headers or a function returning them');
  if (session !== undefined && (typeof session?.get !== 'function' || typeof session.set !== 'function')) invalid('session must have get() and set(token)');
  if (startAuthentication !== undefined && typeof startAuthentication !== 'function') invalid('startAuthentication must be the function of @simplewebauthn/browser');
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) invalid(`maxAttempts must be a whole number of at least 1, got ${String(maxAttempts)}`);
  const base = baseOf(options.base ?? DEFAULT_BASE);
  return {
    prompt,
    fetch: fetch!,
    base: base.href.replace(/\/+$/, ''),
    origins: new Set((options.origins ?? [base.origin]).map(originOf)),
    headers,
    session: session ?? memorySession(),
    startAuthentication,
    maxAttempts,
  };
}

/** `base` as an absolute http(s) URL without query or fragment: against the page in a browser, as is in Node.js. */
function baseOf(value: string | URL): URL {
  const url = parse(value, pageLocation());
  if (!url) return invalid(`base must be an absolute URL outside a browser (e.g. 'http://localhost:3000/mfa'), got ${JSON.stringify(String(value))}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') invalid(`base must be an http or https URL, got ${url.protocol}`);
  if (url.search !== '' || url.hash !== '') invalid('base must have no query or fragment');
  return url;
}

function originOf(value: string): string {
  const origin = parse(value)?.origin ?? 'null';
  return origin === 'null' ? invalid(`origins must be http(s) origins such as 'https://api.example.com', got ${JSON.stringify(value)}`) : origin;
}

/** A URL, resolved against `against` when given; null when it does not parse. */
export function parse(value: string | URL, against?: string): URL | null {
  try {
    return new URL(value, against);
  } catch {
    return null;
  }
}

/** The default session store: the token in memory, for the life of the function. */
function memorySession(): SessionStore {
  let token: string | null = null;
  return {
    get: () => token,
    set: (value) => {
      token = value;
    },
  };
}
