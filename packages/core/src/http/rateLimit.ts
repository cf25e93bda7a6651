import { createHash } from 'node:crypto';
import { contextOf, type Mfa } from '../createMfa';
import { MfaError } from '../errors';
import { clientKey } from '../lib/address';
import { type HttpResult, problemResponse } from './problems';

/**
 * How many failed requests one address may make to the routes that check proofs (`verification:
 * true` in CONTRACT_ROUTES) per window. Only failures count (answers 400 to 499, see
 * {@link countsAsFailure}): a success, or a failure of the server's own, is given back.
 *
 * @example
 * mfaRouter(mfa, { rateLimit: { windowMs: 15 * 60_000, limit: 100 } });
 */
export interface RateLimit {
  /** The length of a window, in milliseconds. */
  windowMs: number;
  /** The failed requests allowed in one window; the next request is refused with 429. */
  limit: number;
}

/**
 * The default per-address limit of every adapter: 100 failed requests in 15 minutes
 * (`{ windowMs: 900_000, limit: 100 }`), the core's `throttle.perAddress` default. Sized for an
 * office behind one address: its people's sign-ins never count, only their typos. NIST SP 800-63B
 * 5.2.2 limits failed attempts (at most 100 in a row on one account) and warns that a limit must
 * not let an attacker lock legitimate users out.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { windowMs: 15 * 60_000, limit: 100 };

/**
 * Whether an answer counts against the per-address limit: a client failure (400 to 499), such as
 * a wrong code, a malformed body, an unknown factor or a refusal. A success does not count, nor a
 * failure of the server's own (a 503 while a store is down), which the client did not cause.
 *
 * @param status - The HTTP status of the answer.
 * @returns True for 400 to 499.
 * @see NIST SP 800-63B 5.2.2 (rate limiting counts failed attempts)
 * @example
 * rateLimit({ skipSuccessfulRequests: true, requestWasSuccessful: (_req, res) => !countsAsFailure(res.statusCode) });
 */
export function countsAsFailure(status: number): boolean {
  return status >= 400 && status < 500;
}

/**
 * Checks a router's `rateLimit` option once, at construction: `{ windowMs, limit }` with positive
 * integers, or `false` for none; undefined gives {@link DEFAULT_RATE_LIMIT}.
 *
 * @param value - The option as given.
 * @returns The limit, or `false` for no per-address limit.
 * @throws MfaError `invalid_option` for anything else.
 * @example
 * const limit = rateLimitOf(options.rateLimit); // { windowMs: 900_000, limit: 100 } when not given
 * const hit = limit ? createRateLimiter(limit, mfa) : null;
 */
export function rateLimitOf(value: unknown): RateLimit | false {
  if (value === undefined) return DEFAULT_RATE_LIMIT;
  return value === false ? false : validRateLimit(value);
}

function validRateLimit(value: unknown): RateLimit {
  const { windowMs, limit } = (value ?? {}) as Partial<RateLimit>;
  if (!Number.isSafeInteger(windowMs) || windowMs! < 1 || !Number.isSafeInteger(limit) || limit! < 1) {
    throw new MfaError('invalid_option', 'rateLimit must be { windowMs, limit } with positive integers, or false');
  }
  return { windowMs: windowMs!, limit: limit! };
}

/**
 * The `detail` of the limiter's 429, the same on every adapter.
 *
 * @example
 * problemResponse({ code: 'rate_limited', detail: RATE_LIMITED_DETAIL });
 */
export const RATE_LIMITED_DETAIL = 'Too many failed attempts from this address; wait a few minutes.';

/** One request counted: the headers to send, the 429 answer when it is over the limit, and how to settle it. */
export interface RateLimitHit {
  /** `RateLimit` and `RateLimit-Policy` (IETF draft-8), for every answer. */
  headers: Record<string, string>;
  /** The 429 `rate_limited` answer (with `Retry-After`) to send instead, or null within the limit. */
  denied: HttpResult | null;
  /**
   * Settles a request that was let through, once its answer's status is known: a success or a
   * server failure is given back (see {@link countsAsFailure}), a client failure stays counted.
   * Later calls do nothing; a request that is never settled (its handler threw) stays counted.
   */
  answered(status: number): void;
}

/**
 * A fixed-window counter of failed requests per client address, in this process's memory, for
 * adapters whose framework has no standard limiter (the Express adapter uses express-rate-limit
 * with `skipSuccessfulRequests`, and this answers as it does: the same windows, keys, IETF draft-8
 * `RateLimit`/`RateLimit-Policy` headers, `Retry-After`, and `429 rate_limited`). Each request is
 * counted when it arrives, so that concurrent failures cannot all pass the check before one is
 * counted, and given back when its answer is not a failure ({@link RateLimitHit.answered}): a
 * crowd of successes from one address never fills the window. Time is the core's clock. Expired
 * windows are swept at most once a window, on a request: no timer keeps the process alive. Each
 * process counts on its own; the core's `throttle.perAddress`, in the state store, counts failed
 * proofs across a fleet.
 *
 * @param rateLimit - The window and the failures allowed in it, e.g. {@link DEFAULT_RATE_LIMIT}.
 * @param mfa - The core, whose clock the windows run on.
 * @returns A function that counts one request of an address (see {@link clientKey}).
 * @throws MfaError `invalid_option` unless `windowMs` and `limit` are positive integers.
 * @see NIST SP 800-63B 5.2.2 (rate limiting)
 * @example
 * const hit = createRateLimiter(DEFAULT_RATE_LIMIT, mfa);
 * const { headers, denied, answered } = hit(ctx.ip);
 * ctx.set(headers);
 * if (denied) return writeResult(ctx, denied);
 * await next();
 * answered(ctx.status);
 */
export function createRateLimiter(rateLimit: RateLimit, mfa: Mfa): (ip: string | undefined) => RateLimitHit {
  const { clock } = contextOf(mfa);
  const { windowMs, limit } = validRateLimit(rateLimit);
  const name = `${limit}-in-${windowName(windowMs)}`;
  const policy = `q=${limit}; w=${Math.ceil(windowMs / 1000)}`;
  const windows = new Map<string, { hits: number; resetAt: number }>();
  let nextSweep = 0;

  return function hit(ip) {
    const now = clock.now();
    if (now >= nextSweep) {
      for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
      nextSweep = now + windowMs;
    }
    const key = clientKey(ip);
    let window = windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + windowMs };
      windows.set(key, window);
    }
    window.hits += 1;
    const counted = window;
    let settled = false;
    const answered = (status: number) => {
      if (settled) return;
      settled = true;
      // Given back to its own window only: after a reset, the new window owes it nothing.
      if (!countsAsFailure(status) && windows.get(key) === counted) counted.hits -= 1;
    };
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - now) / 1000));
    const headers = {
      RateLimit: `"${name}"; r=${Math.max(limit - window.hits, 0)}; t=${resetSeconds}`,
      'RateLimit-Policy': `"${name}"; ${policy}; pk=:${partitionKey(key)}:`,
    };
    if (window.hits <= limit) return { headers, denied: null, answered };
    const denied = problemResponse({ code: 'rate_limited', detail: RATE_LIMITED_DETAIL, retryAfter: resetSeconds });
    return { headers, denied, answered };
  };
}

/** express-rate-limit's policy name: `30-in-1min`, `5-in-30sec`, `100-in-2hrs`. */
function windowName(windowMs: number): string {
  const seconds = windowMs / 1000;
  const minutes = seconds / 60;
  const hours = minutes / 60;
  const days = hours / 24;
  if (seconds < 60) return `${seconds}sec`;
  if (minutes < 60) return `${minutes}min`;
  if (hours < 24) return `${hours}hr${hours > 1 ? 's' : ''}`;
  return `${days}day${days > 1 ? 's' : ''}`;
}

/** The draft-8 partition key: a short hash of the client key, never the address itself. */
function partitionKey(key: string): string {
  return Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
}
