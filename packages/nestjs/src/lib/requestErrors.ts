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
 * controller's when its path ends in `/<mount>` plus one of its routes (`CONTRACT_ROUTES` for the
 * enrollment controller, `ADMIN_ROUTES` for the admin one). Express only (platform-express);
 * other adapters keep Nest's answer.
 */
export function installRequestErrorHandler(adapterHost: HttpAdapterHost | undefined, mount: string, routes: readonly { path: string }[]): void {
  const adapter = adapterHost?.httpAdapter;
  if (adapter?.getType() !== 'express') return;
  const mounts = installed.get(adapter) ?? new Set<string>();
  if (mounts.has(mount)) return;
  mounts.add(mount);
  installed.set(adapter, mounts);

  const target = contractPathPattern(mount, routes);
  const handler: ErrorMiddleware = (err, req, res, next) => {
    const path = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
    const problem = target.test(path) ? requestErrorProblem(err) : null;
    if (!problem) return next(err);
    writeResult(res, problemResponse(problem));
  };
  adapter.use(handler);
}

/** Matches `<any prefix>/<mount><one of the route paths>`, as Express routes: without case, an optional trailing slash. */
export function contractPathPattern(mount: string, routes: readonly { path: string }[]): RegExp {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const paths = [...new Set(routes.map((route) => (route.path === '/' ? '' : route.path)))].map((path) =>
    path
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)))
      .join('/'),
  );
  return new RegExp(`^(?:/.*)?/${escapeRegExp(mount)}(?:${paths.join('|')})/?$`, 'i');
}
