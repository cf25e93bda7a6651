import { type Mfa, MfaError, type MfaOptions, type MfaUser } from '@mfakit/core';
import { type AdminOptions, type RateLimit, rateLimitOf } from '@mfakit/core/http';
import type { CanActivate, InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import { type GetUser, type MfaHttpRequest, passportUser } from './lib/http';

/**
 * A guard for `@UseGuards()`: a class or an instance.
 *
 * @example
 * const guards: ControllerGuard[] = [AuthGuard('jwt')];
 */
export type ControllerGuard = CanActivate | Type<CanActivate>;

/**
 * The injection token of the core (`Mfa` from `@mfakit/core`) that `MfaModule` provides. The
 * class `Mfa` is a token for the same instance, so either injects it.
 *
 * @example
 * constructor(@Inject(MFA) private readonly mfa: Mfa) {}
 * // or, the same instance:
 * constructor(private readonly mfa: Mfa) {}
 */
export const MFA = Symbol('MFA');
/**
 * The core instance that `MfaModule` provides under the `MFA` token (the throttler pattern: the
 * token and its type share a name).
 *
 * @example
 * constructor(@Inject(MFA) private readonly mfa: MFA) {}
 */
export type MFA = Mfa;

/**
 * The token of the resolved module options (`MfaModuleSettings`).
 *
 * @example
 * constructor(@Inject(MFA_MODULE_OPTIONS) private readonly settings: MfaModuleSettings) {}
 */
export const MFA_MODULE_OPTIONS = Symbol('MFA_MODULE_OPTIONS');

/**
 * The token of the admin controller's options, as `resolveAdminOptions` checked them; provided by
 * `MfaModule` only when it has the `admin` option.
 *
 * @example
 * constructor(@Inject(MFA_ADMIN_OPTIONS) private readonly admin: MfaAdminSettings) {}
 */
export const MFA_ADMIN_OPTIONS = Symbol('MFA_ADMIN_OPTIONS');

/**
 * The admin options with their defaults filled in (`maxAgeSeconds`), as the admin controller reads them.
 *
 * @example
 * const { maxAgeSeconds } = moduleRef.get<MfaAdminSettings>(MFA_ADMIN_OPTIONS);
 */
export type MfaAdminSettings = AdminOptions & {
  /** `maxAge` in seconds; without `maxAge`, the core's `freshProofMaxAge` (by default '5m'). */
  maxAgeSeconds: number;
};

/**
 * How `MfaModule` fits mfakit into a Nest application; none of it is a security decision.
 *
 * @example
 * MfaModule.forRoot(mfaOptions, { path: 'auth/mfa', guards: [AuthGuard('jwt')], requireByDefault: true });
 */
export interface MfaModuleOptions {
  /**
   * Reads the primary user off a request; return null when there is none.
   * @default passport's `req.user` (as `AuthGuard('jwt')` leaves it): its `id`, else its `sub`
   */
  getUser?(req: MfaHttpRequest): MfaUser | null | undefined;
  /**
   * With `MfaGuard` as a global guard (`APP_GUARD`): every route needs MFA unless it is marked
   * `@SkipMfa()`. Otherwise the global guard enforces only where `@RequireMFA()` applies.
   * @default false
   */
  requireByDefault?: boolean;
  /**
   * Where the enrollment controller (`MfaController`) is mounted, under the application's global
   * prefix; `false` mounts none (mount `createMfaController(path)` yourself).
   * @default 'mfa'
   */
  path?: string | false;
  /**
   * Guards put in front of the enrollment controller: the primary authentication, e.g.
   * `[AuthGuard('jwt')]`. Not needed when that authentication is a global guard or middleware.
   * @default []
   */
  guards?: ControllerGuard[];
  /**
   * The largest JSON body the enrollment and admin routes accept, in bytes, from 1024 to 1048576;
   * a larger `Content-Length` is a 413 `payload_too_large` problem. Nest's own body parser and
   * its limit still read the body first.
   * @default 16384 (16 kB)
   */
  bodyLimit?: number;
  /**
   * Per-address limit of FAILED requests on the routes that check proofs, on top of the
   * per-account lockout, as in the Express, Koa and Fastify adapters: only answers 400 to 499
   * count (a wrong code, a malformed body, a refusal), so that many people behind one office
   * address never lock each other out by signing in. Past the limit, every request of the address
   * to those routes is a 429 `rate_limited` problem with `Retry-After` until the window ends.
   * `false` turns it off (e.g. when a gateway or @nestjs/throttler limits). Counted in this
   * process's memory on the core's clock, a fixed window per address (IPv6: per /56); the core's
   * `throttle.perAddress` counts failed proofs across instances. Behind a proxy, set Express's
   * `trust proxy` so that `req.ip` is the client's address.
   * @default { windowMs: 900_000, limit: 100 } (100 failures in 15 minutes)
   * @see NIST SP 800-63B 5.2.2 (rate limiting)
   */
  rateLimit?: RateLimit | false;
  /**
   * Mounts the admin controller (`MfaAdminController`) at `<path>/admin`, behind `guards`: the
   * report, revoking a user's factors, granting and lifting exemptions. `authorize` decides who
   * may; `getUser` must then return the roles it checks. With `path: false`, mount
   * `createMfaAdminController(path)` yourself. @default `undefined`: no admin routes
   *
   * @example
   * admin: { authorize: (user) => user.roles?.includes('admin') ?? false, maxAge: '5m' }
   */
  admin?: AdminOptions;
  /** Register the module globally, so `MfaGuard` and `MFA` can be used in every module. @default true */
  global?: boolean;
}

/**
 * `MfaModule.forRootAsync()`: the core's options (or a ready core) come from a factory that may
 * inject other providers, e.g. `ConfigService`; the module's own options are given directly.
 *
 * @example
 * MfaModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ issuer: 'Acme', encryptionKeys: config.getOrThrow('MFA_ENCRYPTION_KEYS') }),
 *   guards: [AuthGuard('jwt')],
 * });
 */
export interface MfaModuleAsyncOptions extends MfaModuleOptions, Pick<ModuleMetadata, 'imports'> {
  /** Returns the options of `createMfa`, or a core made with it. */
  // biome-ignore lint/suspicious/noExplicitAny: as Nest's FactoryProvider.useFactory: a typed factory such as (config: ConfigService) => ... must fit, which unknown[] would refuse
  useFactory: (...args: any[]) => MfaOptions | Mfa | Promise<MfaOptions | Mfa>;
  /** The providers passed to `useFactory`, in order. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}

/**
 * The module options with their defaults filled in, as the guard and the controller read them.
 *
 * @example
 * const { getUser } = moduleRef.get<MfaModuleSettings>(MFA_MODULE_OPTIONS);
 */
export interface MfaModuleSettings {
  /** The module's `getUser`, or `passportUser`. */
  getUser: GetUser;
  /** Whether a global `MfaGuard` enforces MFA on every route not marked `@SkipMfa()`. */
  requireByDefault: boolean;
  /** The largest body the controllers accept, in bytes (16384 unless set). */
  bodyLimit: number;
  /** The per-address limit of failures on the routes that check proofs, or `false` for none. */
  rateLimit: RateLimit | false;
}

const DEFAULT_BODY_LIMIT = 16 * 1024; // the Express adapter's default ('16kb'): codes and assertions are small
const DEFAULT_PATH = 'mfa'; // DESIGN.md: the enrollment router is mounted at /mfa by default

/** Fills in the defaults and checks the module options once, at start-up. Throws `invalid_option`. */
export function resolveModuleOptions(options: MfaModuleOptions): MfaModuleSettings & { path: string | false; guards: ControllerGuard[] } {
  const { getUser, requireByDefault = false, path = DEFAULT_PATH, guards = [], bodyLimit = DEFAULT_BODY_LIMIT } = options;
  if (getUser !== undefined && typeof getUser !== 'function') throw new MfaError('invalid_option', 'MfaModule getUser must be a function (req) => ({ id }) | null');
  if (typeof requireByDefault !== 'boolean') throw new MfaError('invalid_option', 'MfaModule requireByDefault must be a boolean');
  if (path !== false && (typeof path !== 'string' || normalizePath(path) === '')) {
    throw new MfaError('invalid_option', "MfaModule path must be a non-empty path such as 'mfa', or false to mount no controller");
  }
  if (!Array.isArray(guards)) throw new MfaError('invalid_option', 'MfaModule guards must be a list of guards');
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024 || bodyLimit > 1024 * 1024) {
    throw new MfaError('invalid_option', 'MfaModule bodyLimit must be a number of bytes from 1024 to 1048576');
  }
  const rateLimit = rateLimitOf(options.rateLimit); // throws invalid_option for a bad limit, here at start-up
  if (options.admin !== undefined && (options.admin === null || typeof options.admin !== 'object')) {
    throw new MfaError('invalid_option', 'MfaModule admin must be the admin options, e.g. { authorize: (user) => ... }');
  }
  return { getUser: getUser ? (req) => getUser(req) : passportUser, requireByDefault, bodyLimit, rateLimit, path: path === false ? false : normalizePath(path), guards };
}

/** 'mfa', '/mfa/', ' /auth/mfa ' -> 'mfa', 'auth/mfa'. */
export function normalizePath(path: string): string {
  return path.trim().replace(/^\/+|\/+$/g, '');
}
