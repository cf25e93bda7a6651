import type { Mfa } from '@mfakit/core';
import { createRateLimiter, type RateLimit } from '@mfakit/core/http';
import type { Middleware } from 'koa';
import { writeResult } from './http';

/**
 * The core's per-address limiter (`createRateLimiter`) as Koa middleware: it sets the `RateLimit`
 * headers, past the limit answers `429 rate_limited` without calling `next`, and once the route
 * has answered gives back a request that did not fail (only 4xx answers count). A request whose
 * handler throws stays counted.
 */
export function rateLimit(limit: RateLimit, mfa: Mfa): Middleware {
  const hit = createRateLimiter(limit, mfa);
  return async function rateLimit(ctx, next) {
    const { headers, denied, answered } = hit(ctx.ip);
    ctx.set(headers);
    if (denied) return writeResult(ctx, denied);
    await next();
    answered(ctx.status);
  };
}
