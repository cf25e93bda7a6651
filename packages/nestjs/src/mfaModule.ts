import { createMfa, Mfa, type MfaOptions } from '@mfakit/core';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createMfaController } from './mfaController';
import { MfaDeniedFilter } from './mfaDenied';
import { MfaGuard } from './mfaGuard';
import { MFA, MFA_MODULE_OPTIONS, type MfaModuleAsyncOptions, type MfaModuleOptions, resolveModuleOptions } from './mfaOptions';

/**
 * mfakit for NestJS: provides the core (`MFA`, or the class `Mfa`), `MfaGuard` and the
 * enrollment controller, and writes MFA denials as the contract's problem answers.
 * Global by default.
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
export class MfaModule {
  /**
   * The module around a core made from `options` (see `createMfa`; checked here, so a bad option
   * fails at start-up), or around a core made already.
   *
   * @param mfa the options of `createMfa`, or an `Mfa`
   * @param options where the controller goes, how to find the user, `requireByDefault`, `global`
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
    return {
      module: MfaModule,
      global: options.global ?? true,
      imports,
      controllers: path === false ? [] : [createMfaController(path, guards)],
      providers: [
        core,
        { provide: Mfa, useExisting: MFA },
        { provide: MFA_MODULE_OPTIONS, useValue: settings },
        MfaGuard,
        { provide: APP_FILTER, useClass: MfaDeniedFilter },
      ],
      exports: [MFA, Mfa, MFA_MODULE_OPTIONS, MfaGuard],
    };
  }
}
