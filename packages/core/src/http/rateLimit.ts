import { createHash } from 'node:crypto';
import { contextOf, type Mfa } from '../createMfa';
import { MfaError } from '../errors';
import { clientKey } from '../lib/address';
import { type HttpResult, problemResponse } from './problems';

/**
 * How many requests one address may make to the routes that check proofs (`verification: true`
 * in CONTRACT_ROUTES) per window.
 *
 * @example
 * mfaRouter(mfa, { rateLimit: { windowMs: 15 * 60_000, limit: 100 } });
 */
export interface RateLimit {
  /** The length of a window, in milliseconds. */
  windowMs: number;
  /** The requests allowed in one window; the next one is refused with 429. */
  limit: number;
}

/** The default per-IP limit of every adapter: 30 requests a minute (`{ windowMs: 60_000, limit: 30 }`). */
export const DEFAULT_RATE_LIMIT: RateLimit = { windowMs: 60_000, limit: 30 };

/**
 * Checks a router's `rateLimit` option once, at construction: `{ windowMs, limit }` with positive
 * integers, or `false` for none; undefined gives {@link DEFAULT_RATE_LIMIT}.
 *
 * @param value - The option as given.
 * @returns The limit, or `false` for no per-IP limit.
 * @throws MfaError `invalid_option` for anything else.
 * @example
 * const limit = rateLimitOf(options.rateLimit); // { windowMs: 60_000, limit: 30 } when not given
 * const hit = limit ? createRateLimiter(limit, mfa.options.clock) : null;
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

/** One request counted: the headers to send, and the 429 answer when it is over the limit. */
export interface RateLimitHit {
  /** `RateLimit` and `RateLimit-Policy` (IETF draft-8), for every answer. */
  headers: Record<string, string>;
  /** The 429 `rate_limited` answer (with `Retry-After`) to send instead, or null within the limit. */
  denied: HttpResult | null;
}

/**
 * A fixed-window counter per client address, in this process's memory, for adapters whose
 * framework has no standard limiter (the Express adapter uses express-rate-limit, and this
 * answers as it does: the same windows, keys, IETF draft-8 `RateLimit`/`RateLimit-Policy` headers,
 * `Retry-After`, and `429 rate_limited`). Time is the core's clock. Expired windows are swept at
 * most once a window, on a request: no timer keeps the process alive. Each process counts on
 * its own; the account throttle in the state store is what holds across a fleet.
 *
 * @param rateLimit - The window and the requests allowed in it, e.g. {@link DEFAULT_RATE_LIMIT}.
 * @param mfa - The core, whose clock the windows run on.
 * @returns A function that counts one request of an address (see {@link clientKey}).
 * @throws MfaError `invalid_option` unless `windowMs` and `limit` are positive integers.
 * @example
 * const hit = createRateLimiter(DEFAULT_RATE_LIMIT, mfa);
 * const { headers, denied } = hit(ctx.ip);
 * ctx.set(headers);
 * if (denied) return writeResult(ctx, denied);
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
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - now) / 1000));
    const headers = {
      RateLimit: `"${name}"; r=${Math.max(limit - window.hits, 0)}; t=${resetSeconds}`,
      'RateLimit-Policy': `"${name}"; ${policy}; pk=:${partitionKey(key)}:`,
    };
    if (window.hits <= limit) return { headers, denied: null };
    const denied = problemResponse({ code: 'rate_limited', detail: 'Too many attempts from this address; wait a minute.', retryAfter: resetSeconds });
    return { headers, denied };
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
