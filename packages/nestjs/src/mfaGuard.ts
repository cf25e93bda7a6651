// biome-ignore lint/style/useImportType: Mfa is injected through the constructor: NestJS DI needs a runtime import of it (with import type, the decorator metadata names Object)
import { Mfa, MfaError, type MfaState, type Requirement } from '@mfakit/core';
import { type Decision, guardRequest, type RequestReader } from '@mfakit/core/http';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { type MfaHttpRequest, type MfaHttpResponse, setHeaders } from './lib/http';
import { MfaDenied } from './mfaDenied';
import { MFA, MFA_MODULE_OPTIONS, type MfaModuleSettings } from './mfaOptions';
import { MFA_REQUIREMENT } from './requireMfa';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The MFA state of a request that `MfaGuard` let through. */
      mfa?: MfaState;
    }
  }
}

// Marks a request a guard has let through already: a route guarded both globally and with
// @UseGuards(MfaGuard) is checked once, so an inline code is not spent twice. The mark goes on the
// request's headers object (Node's, one per request), not on the request: on Express every
// request object has a hidden class of its own, and a property read or written on it costs a
// microsecond or two, where one on the headers costs next to nothing; nor in a WeakSet, whose
// every entry costs the garbage collector work. The mark is the request itself: headers copied
// onto another request mark nothing there.
const PASSED = Symbol('mfakit.passed');
type MarkedHeaders = MfaHttpRequest['headers'] & { [PASSED]?: MfaHttpRequest };

/** A request on its way through the guard, with its headers read once. */
interface Passing {
  req: MfaHttpRequest;
  headers: MarkedHeaders;
}

/** `nestReader` of lib/http.ts for a request on its way through the guard: its headers as read already. */
const passingReader: RequestReader<Passing> = {
  headers: (passing) => passing.headers,
  ip: (passing) => passing.req.ip,
  method: (passing) => passing.req.method,
  path: (passing) => passing.req.originalUrl ?? passing.req.url,
  rawBody: (passing) => passing.req.rawBody,
};

// A route handler or its controller class, as Nest hands them out and its Reflector reads them.
// biome-ignore lint/complexity/noBannedTypes: Nest's own type for reflector targets: ExecutionContext.getHandler() returns Function, Reflector takes (Type | Function)[]
type RouteTarget = Function;

/** A denial is thrown (`MfaDenied`); a pass sets `req.mfa` and the decision's headers (none, usually). */
function follow(decision: Decision, passing: Passing, res: MfaHttpResponse): true {
  if (!decision.allow) {
    // Set here as well as by MfaDeniedFilter: an application's own catch-all filter may answer
    // the exception instead, and the challenge and Retry-After must reach the client even then.
    setHeaders(res, decision.response.headers);
    throw new MfaDenied(decision.response);
  }
  passing.headers[PASSED] = passing.req;
  passing.req.mfa = decision.state;
  setHeaders(res, decision.headers);
  return true;
}

/**
 * Lets a request through only with a valid MFA session of its user (`X-Session-Token` or the
 * `mfa_session` cookie) or a valid inline code (`X-MFA-Token`, answered with a new
 * `X-Session-Token`), as `@RequireMFA()` asks; sets `req.mfa`. A denial is the contract's
 * 401/403/429/503 problem (thrown as `MfaDenied`). Fails closed: a store error is a 503.
 *
 * It enforces where `@RequireMFA()` applies, on every route it is bound to with `@UseGuards()`,
 * and everywhere when global with `requireByDefault: true`; never under `@SkipMfa()`. It runs
 * after the primary authentication: put it after `AuthGuard('jwt')` in `@UseGuards()`, or, as a
 * global guard, register it after a global authentication guard.
 *
 * The client must keep the session token it was given (`X-Session-Token` or the body of
 * `POST /mfa/verify`) and send it on every request; mfakit stores only its hash.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
 * @see NIST SP 800-63B 7.1 (session bindings) and 7.2 (reauthentication): the session's
 *   lifetime and idle timeout are the core's `session` options.
 *
 * @example
 * ```ts
 * // per controller or route
 * @UseGuards(AuthGuard('jwt'), MfaGuard)
 * @Controller('account')
 * export class AccountController {}
 *
 * // or globally (after the authentication guard), enforcing where @RequireMFA() applies
 * providers: [
 *   { provide: APP_GUARD, useClass: JwtAuthGuard },
 *   { provide: APP_GUARD, useClass: MfaGuard },
 * ]
 * ```
 */
@Injectable()
export class MfaGuard implements CanActivate {
  constructor(
    @Inject(MFA) private readonly mfa: Mfa,
    @Inject(MFA_MODULE_OPTIONS) private readonly settings: MfaModuleSettings,
    // Named, not left to decorator metadata, which tsx and esbuild do not emit.
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  /**
   * Nest calls it for every route the guard is bound to. Reads the route's requirement
   * (`@RequireMFA()` / `@SkipMfa()`, the handler's over the controller's) and asks the core
   * (`mfa.decide`); a request it has let through once is not checked again. The route's
   * requirement is read once per route and remembered.
   *
   * @param context - Nest's execution context of the request.
   * @returns true (at once, or as a Promise when a store answers asynchronously) when the route
   *   needs no MFA or the request passes; `req.mfa` is then set, and
   *   any header of the core (a new `X-Session-Token`, `Mfa-Enrollment-Deadline`) is on the response.
   * @throws MfaDenied with the core's answer (401 `mfa_required`, `mfa_stale`...; 403; 429; 503)
   *   when the request does not pass.
   * @throws MfaError `invalid_option` when MFA is required on a handler that is not HTTP
   *   (a microservice or WebSocket handler).
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirement = this.requirementOf(context);
    if (!requirement) return true;
    if (context.getType() !== 'http') {
      throw new MfaError('invalid_option', `MfaGuard protects HTTP routes; ${context.getClass().name} is a ${context.getType()} handler`);
    }
    // The request and the response as switchToHttp() would hand them out, without the three
    // closures it makes (and assigns onto the context) on every call.
    const req = context.getArgByIndex<MfaHttpRequest>(0);
    const headers: MarkedHeaders = req.headers;
    if (headers[PASSED] === req) return true;
    // On the memory store the decision comes at once, and the guard answers without an await.
    const passing: Passing = { req, headers };
    return guardRequest(this.mfa, passingReader, passing, this.settings.getUser(req) ?? null, requirement, follow, context.getArgByIndex<MfaHttpResponse>(1));
  }

  /** The route's requirement, or null where the guard lets everything through: read once per route, then remembered. */
  private requirementOf(context: ExecutionContext): Requirement | null {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = this.requirements.get(handler);
    if (!byClass) {
      byClass = new WeakMap();
      this.requirements.set(handler, byClass);
    }
    let requirement = byClass.get(controller);
    if (requirement === undefined) {
      requirement = this.readRequirement([handler, controller]);
      byClass.set(controller, requirement);
    }
    return requirement;
  }

  // Metadata is fixed once the application has started: a route's requirement never changes.
  private readonly requirements = new WeakMap<RouteTarget, WeakMap<RouteTarget, Requirement | null>>();

  private readRequirement(targets: RouteTarget[]): Requirement | null {
    const { marked, bound } = routeMarks(this.reflector, targets);
    if (marked === false) return null;
    if (marked) return marked;
    return this.settings.requireByDefault || bound ? {} : null;
  }
}

/**
 * What a route and its controller say to `MfaGuard`, as the guard reads it (and `mfaRoutes`
 * reports it; neither is exported from the package): `marked` is `false` under `@SkipMFA()`, the requirement of `@RequireMFA()`, or
 * undefined; `bound`, whether either names `MfaGuard` in `@UseGuards()`.
 */
export function routeMarks(reflector: Reflector, targets: RouteTarget[]): { marked: Requirement | false | undefined; bound: boolean } {
  const marked = reflector.getAllAndOverride<Requirement | false | undefined>(MFA_REQUIREMENT, targets);
  const bound = (reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets) ?? []).some(isMfaGuard);
  return { marked, bound };
}

/** `MfaGuard` (or a subclass), or an instance of it: what `@UseGuards()` and `APP_GUARD` may hold. */
export function isMfaGuard(guard: unknown): boolean {
  return guard instanceof MfaGuard || (typeof guard === 'function' && (guard === MfaGuard || guard.prototype instanceof MfaGuard));
}
