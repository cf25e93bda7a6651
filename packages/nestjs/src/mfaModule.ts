import { createMfa, Mfa, type MfaOptions } from '@mfakit/core';
import { resolveAdminOptions } from '@mfakit/core/http';
import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createMfaAdminController } from './mfaAdminController';
import { createMfaController } from './mfaController';
import { MfaDeniedFilter } from './mfaDenied';
import { MfaGuard } from './mfaGuard';
import { MFA, MFA_ADMIN_OPTIONS, MFA_MODULE_OPTIONS, type MfaModuleAsyncOptions, type MfaModuleOptions, resolveModuleOptions } from './mfaOptions';

/**
 * mfakit for NestJS: provides the core (`MFA`, or the class `Mfa`), `MfaGuard` and the
 * enrollment controller, and writes MFA denials as the contract's problem answers.
 * Global by default.
 *
 * What the application must persist and configure lives in the core's options: durable
 * `stores` (e.g. `@mfakit/postgres` for factors, after its `migrate()`, and `@mfakit/redis` for
 * the short-lived state; memory by default, lost on restart and not shared between
 * instances), and `encryptionKeys`, kept for as long as a secret is encrypted under them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details of every denial)
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     MfaModule.forRoot({ issuer: 'Acme', encryptionKeys: process.env.MFA_ENCRYPTION_KEYS }, { guards: [AuthGuard('jwt')] }),
 *   ],
 *   controllers: [AccountController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a NestJS dynamic module: the class is what Nest imports, and forRoot()/forRootAsync() are its static factories (the framework's pattern, as in ThrottlerModule)
export class MfaModule {
  /**
   * The module around a core made from `options` (see `createMfa`; checked here, so a bad option
   * fails at start-up), or around a core made already.
   *
   * @param mfa the options of `createMfa`, or an `Mfa`
   * @param options where the controller goes, how to find the user, `requireByDefault`, `global`,
   *   and `admin` to mount the admin controller at `<path>/admin`
   * @returns The dynamic module: providers `MFA` (and the class `Mfa`), `MFA_MODULE_OPTIONS`,
   *   `MFA_ADMIN_OPTIONS` with `admin`, `MfaGuard`, and `MfaDeniedFilter` as a global filter;
   *   the controllers at `path` and, with `admin`, `<path>/admin` (none when `path` is false).
   * @throws MfaError `invalid_option` for a bad option of the core, of the module or of `admin`,
   *   and `encryption_key_required` under `NODE_ENV=production` without `encryptionKeys`: here,
   *   when the module is declared.
   *
   * @example
   * MfaModule.forRoot({ issuer: 'Acme', encryptionKeys: process.env.MFA_ENCRYPTION_KEYS }, { path: 'mfa' })
   */
  static forRoot(mfa: MfaOptions | Mfa, options: MfaModuleOptions = {}): DynamicModule {
    const core = mfa instanceof Mfa ? mfa : createMfa(mfa);
    return MfaModule.build({ provide: MFA, useValue: core }, options, []);
  }

  /**
   * The module around a core whose options come from a factory that may inject providers,
   * e.g. configuration; the factory may also return a ready `Mfa`.
   *
   * @param options `useFactory` (and its `inject` and `imports`) for the core, and the same
   *   module options as `forRoot`.
   * @returns The dynamic module, as `forRoot`'s.
   * @throws MfaError `invalid_option` for a bad module option, here; the core's and `admin`'s
   *   options are checked when Nest runs the factory, so a bad one fails the application's start-up.
   *
   * @example
   * MfaModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ issuer: 'Acme', encryptionKeys: config.getOrThrow('MFA_ENCRYPTION_KEYS') }),
   *   guards: [AuthGuard('jwt')],
   * })
   */
  static forRootAsync(options: MfaModuleAsyncOptions): DynamicModule {
    const { imports = [], inject = [], useFactory, ...moduleOptions } = options;
    const provider: Provider = {
      provide: MFA,
      inject,
      useFactory: async (...args: unknown[]) => {
        const made = await useFactory(...args);
        return made instanceof Mfa ? made : createMfa(made);
      },
    };
    return MfaModule.build(provider, moduleOptions, imports);
  }

  private static build(core: Provider, options: MfaModuleOptions, imports: NonNullable<MfaModuleAsyncOptions['imports']>): DynamicModule {
    const { path, guards, ...settings } = resolveModuleOptions(options);
    const { admin } = options;
    const controllers: Type[] = [];
    // The admin controller first: the enrollment controller's catch-all would answer <path>/admin/*.
    if (path !== false && admin) controllers.push(createMfaAdminController(`${path}/admin`, guards));
    if (path !== false) controllers.push(createMfaController(path, guards));
    // Checked once the core exists (the default maxAge is the core's): here for forRoot, at start-up for forRootAsync.
    const adminProviders: Provider[] = !admin
      ? []
      : 'useValue' in core
        ? [{ provide: MFA_ADMIN_OPTIONS, useValue: resolveAdminOptions(core.useValue as Mfa, admin) }]
        : [{ provide: MFA_ADMIN_OPTIONS, inject: [MFA], useFactory: (mfa: Mfa) => resolveAdminOptions(mfa, admin) }];
    return {
      module: MfaModule,
      global: options.global ?? true,
      imports,
      controllers,
      providers: [core, { provide: Mfa, useExisting: MFA }, { provide: MFA_MODULE_OPTIONS, useValue: settings }, ...adminProviders, MfaGuard, { provide: APP_FILTER, useClass: MfaDeniedFilter }],
      exports: [MFA, Mfa, MFA_MODULE_OPTIONS, ...(admin ? [MFA_ADMIN_OPTIONS] : []), MfaGuard],
    };
  }
}
