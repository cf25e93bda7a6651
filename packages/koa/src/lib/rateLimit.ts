import type { Mfa } from '@mfakit/core';
import { createRateLimiter, type RateLimit } from '@mfakit/core/http';
import type { Middleware } from 'koa';
import { writeResult } from './http';

/**
 * The core's per-IP limiter (`createRateLimiter`) as Koa middleware: it sets the `RateLimit`
 * headers, and past the limit answers `429 rate_limited` without calling `next`.
 */
export function rateLimit(limit: RateLimit, mfa: Mfa): Middleware {
  const hit = createRateLimiter(limit, mfa);
  return async function rateLimit(ctx, next) {
    const { headers, denied } = hit(ctx.ip);
    ctx.set(headers);
    if (denied) return writeResult(ctx, denied);
    await next();
  };
}
