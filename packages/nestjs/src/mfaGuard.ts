import { Mfa, MfaError, type MfaState, type Requirement } from '@mfakit/core';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { type MfaHttpRequest, type MfaHttpResponse, setHeaders, toMfaRequest } from './lib/http';
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

// Requests a guard has let through already: a route guarded both globally and with
// @UseGuards(MfaGuard) is checked once, so an inline code is not spent twice.
const passed = new WeakSet<object>();

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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.requirementOf(context);
    if (!requirement) return true;
    if (context.getType() !== 'http') {
      throw new MfaError('invalid_option', `MfaGuard protects HTTP routes; ${context.getClass().name} is a ${context.getType()} handler`);
    }
    const http = context.switchToHttp();
    const req = http.getRequest<MfaHttpRequest>();
    if (passed.has(req)) return true;
    const decision = await this.mfa.check(toMfaRequest(req, this.settings.getUser), requirement);
    const res = http.getResponse<MfaHttpResponse>();
    if (!decision.allow) {
      // Set here as well as by MfaDeniedFilter: an application's own catch-all filter may answer
      // the exception instead, and the challenge and Retry-After must reach the client even then.
      setHeaders(res, decision.response.headers);
      throw new MfaDenied(decision.response);
    }
    passed.add(req);
    req.mfa = decision.state;
    setHeaders(res, decision.headers);
    return true;
  }

  /** The route's requirement, or null where the guard lets everything through. */
  private requirementOf(context: ExecutionContext): Requirement | null {
    const targets: Function[] = [context.getHandler(), context.getClass()];
    const marked = this.reflector.getAllAndOverride<Requirement | false | undefined>(MFA_REQUIREMENT, targets);
    if (marked === false) return null;
    if (marked) return marked;
    return this.settings.requireByDefault || this.isBoundTo(targets) ? {} : null;
  }

  /** Whether the route or its controller names this guard in `@UseGuards()`. */
  private isBoundTo(targets: Function[]): boolean {
    const guards: unknown[] = this.reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets) ?? [];
    return guards.some((guard) => guard === MfaGuard || guard instanceof MfaGuard || (typeof guard === 'function' && guard.prototype instanceof MfaGuard));
  }
}
