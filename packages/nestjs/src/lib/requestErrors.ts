import { problemResponse, requestErrorProblem } from '@mfakit/core/http';
import type { HttpAdapterHost } from '@nestjs/core';
import { type MfaHttpResponse, writeResult } from './http';

type ErrorMiddleware = (err: unknown, req: { originalUrl?: string; url?: string }, res: MfaHttpResponse, next: (err?: unknown) => void) => void;

// The mount paths each HTTP adapter has a handler for already.
const installed = new WeakMap<object, Set<string>>();

/**
 * Answers the errors of Nest's body parser (invalid JSON, a body too large, an unknown charset)
 * on the contract's routes with the contract's problem (400, 413, 415), as the Express adapter
 * does. The parser runs before routing, so its errors reach only Express's error handlers and
 * Nest's global filters, never a controller's: this puts an Express error handler in front of
 * Nest's own, from the controller's `onModuleInit` (after the routes, before Nest's handler).
 *
 * The global prefix and a RouterModule path are not known here, so a request is taken for the
 * controller's when its path has `/<mount>` as a whole segment run: the controller answers every
 * path under its mount (its routes, and `404 not_found` for the rest). Express only
 * (platform-express); other adapters keep Nest's answer.
 */
export function installRequestErrorHandler(adapterHost: HttpAdapterHost | undefined, mount: string): void {
  const adapter = adapterHost?.httpAdapter;
  if (adapter?.getType() !== 'express') return;
  const mounts = installed.get(adapter) ?? new Set<string>();
  if (mounts.has(mount)) return;
  mounts.add(mount);
  installed.set(adapter, mounts);

  const target = mountPathPattern(mount);
  const handler: ErrorMiddleware = (err, req, res, next) => {
    const path = (req.originalUrl ?? req.url ?? '').split(/[?#]/)[0] ?? ''; // as Express routes it: no query, no fragment
    const problem = target.test(path) ? requestErrorProblem(err) : null;
    if (!problem) return next(err);
    writeResult(res, problemResponse(problem));
  };
  adapter.use(handler);
}

/** Matches `<any prefix>/<mount>` and every path below it, without case, as Express routes. */
export function mountPathPattern(mount: string): RegExp {
  return new RegExp(`^(?:/.*)?/${mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:/.*)?$`, 'i');
}
