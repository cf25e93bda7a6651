import { MfaError } from '@mfakit/core';
import { bodyLimitOf, problemResponse, requestErrorProblem } from '@mfakit/core/http';
import type { Context, Next } from 'koa';
import { writeResult } from './http';

/** Errors of reading a request (bad JSON, too large, unknown charset) become problems; others go on up. */
export async function requestErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const problem = requestErrorProblem(err);
    if (!problem) throw err;
    writeResult(ctx, problemResponse(problem));
  }
}

/**
 * @koa/router hands over a parameter it cannot percent-decode as it came; Express refuses it with
 * a 400. Do the same, so that `%E0%A4%A` is a malformed request, not a factor or user id.
 */
export function assertDecodable(ctx: Context): void {
  try {
    decodeURIComponent(ctx.path);
  } catch {
    throw Object.assign(new URIError('Failed to decode a path parameter'), { status: 400 });
  }
}

/** Checks a router's `prefix` and `bodyLimit` once, at construction; throws `invalid_option` naming the router. */
export function routerMount(router: string, options: { prefix?: string; bodyLimit?: string | number }, defaultPrefix: string): { prefix: string; bodyLimit: string | number } {
  const prefix = options.prefix ?? defaultPrefix;
  if (typeof prefix !== 'string' || !/^\/[^?#]*[^/?#]$/.test(prefix)) {
    throw new MfaError('invalid_option', `${router} prefix must be a path such as '${defaultPrefix}' (not '/' or empty: the router answers 404 for every path under it)`);
  }
  return { prefix, bodyLimit: bodyLimitOf(options.bodyLimit, router) };
}
