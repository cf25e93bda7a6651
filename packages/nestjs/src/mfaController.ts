import { CONTRACT_ROUTES, createRateLimiter, handleRoute, Mfa, MfaError, problemResponse, type RateLimitHit, type RouteName } from '@mfakit/core';
import { All, Controller, Delete, Get, Inject, type OnModuleInit, Post, Req, Res, type Type, UseGuards } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { type MfaHttpRequest, type MfaHttpResponse, toMfaRequest, writeResult } from './lib/http';
import { installRequestErrorHandler } from './lib/requestErrors';
import { type ControllerGuard, MFA, MFA_MODULE_OPTIONS, type MfaModuleSettings, normalizePath } from './mfaOptions';
import { SkipMfa } from './requireMfa';

/**
 * The enrollment and verification routes of the HTTP contract, at `/mfa`: status, TOTP, HOTP,
 * email and SMS enrollment, verification with a code or a recovery code, WebAuthn registration and
 * authentication, recovery-code regeneration, factor removal and session end. Each route hands
 * the request to the core (`handleRoute`) and writes its answer unchanged; unknown routes under
 * the mount answer `404 not_found`, body errors 400/413/415, all as problem+json.
 *
 * `MfaModule.forRoot()` mounts it (option `path`); the routes need the primary authentication
 * (module option `guards`, or a global guard) and never an MFA session (`@SkipMfa()`).
 * A per-IP rate limit (module option `rateLimit`) sits in front of the routes that check proofs.
 *
 * @example
 * MfaModule.forRoot({ issuer: 'Acme' }, { path: 'mfa', guards: [AuthGuard('jwt')] });
 * // POST /mfa/totp, POST /mfa/totp/:factorId/confirm, POST /mfa/verify, ...
 */
const LIMITED = new Set(CONTRACT_ROUTES.filter((route) => route.verification).map((route) => route.name));

@SkipMfa()
@Controller('mfa')
export class MfaController implements OnModuleInit {
  private readonly limit: ((ip: string | undefined) => RateLimitHit) | null;

  constructor(
    @Inject(MFA) private readonly mfa: Mfa,
    @Inject(MFA_MODULE_OPTIONS) private readonly settings: MfaModuleSettings,
    // Explicit tokens: tools without decorator metadata (tsx, esbuild) still inject.
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    this.limit = settings.rateLimit ? createRateLimiter(settings.rateLimit, mfa.options.clock) : null;
  }

  @Get()
  status(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('status', req, res);
  }

  @Post('totp')
  enrollTotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollTotp', req, res);
  }

  @Post('totp/:factorId/confirm')
  confirmTotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmTotp', req, res);
  }

  @Post('hotp')
  enrollHotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollHotp', req, res);
  }

  @Post('hotp/:factorId/confirm')
  confirmHotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmHotp', req, res);
  }

  @Post('verify')
  verify(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('verify', req, res);
  }

  @Post('email')
  enrollEmail(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollEmail', req, res);
  }

  @Post('email/:factorId/confirm')
  confirmEmail(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmEmail', req, res);
  }

  @Post('sms')
  enrollSms(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollSms', req, res);
  }

  @Post('sms/:factorId/confirm')
  confirmSms(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmSms', req, res);
  }

  @Post('challenge')
  challenge(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('challenge', req, res);
  }

  @Post('webauthn/registration/options')
  webauthnRegistrationOptions(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnRegistrationOptions', req, res);
  }

  @Post('webauthn/registration')
  webauthnRegistration(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnRegistration', req, res);
  }

  @Post('webauthn/authentication/options')
  webauthnAuthenticationOptions(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnAuthenticationOptions', req, res);
  }

  @Post('webauthn/authentication')
  webauthnAuthentication(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnAuthentication', req, res);
  }

  @Post('recovery-codes')
  regenerateRecoveryCodes(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('regenerateRecoveryCodes', req, res);
  }

  @Delete('factors/:factorId')
  removeFactor(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('removeFactor', req, res);
  }

  @Delete('session')
  endSession(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('endSession', req, res);
  }

  /** Anything else under the mount is not a route of the contract. Declared last: it matches all. */
  @All(['', '{*rest}'])
  notFound(@Req() req: MfaHttpRequest & { method?: string; path?: string }, @Res() res: MfaHttpResponse): void {
    const detail = `No such MFA route: ${req.method ?? ''} ${(req.path ?? '').slice(0, 100)}`;
    writeResult(res, problemResponse({ code: 'not_found', detail }));
  }

  onModuleInit(): void {
    const mount = normalizePath(String(Reflect.getMetadata(PATH_METADATA, this.constructor) ?? ''));
    if (mount) installRequestErrorHandler(this.adapterHost, mount, CONTRACT_ROUTES);
  }

  private async answer(name: RouteName, req: MfaHttpRequest, res: MfaHttpResponse): Promise<void> {
    if (this.limit && LIMITED.has(name)) {
      const { headers, denied } = this.limit(req.ip);
      for (const [header, value] of Object.entries(headers)) res.setHeader(header, value);
      if (denied) return writeResult(res, denied);
    }
    if (Number(req.headers['content-length']) > this.settings.bodyLimit) {
      return writeResult(res, problemResponse({ code: 'payload_too_large', detail: 'The body is larger than this API accepts.' }));
    }
    // JSON only, as the contract says: a form-encoded body that Nest's other parser read is no body.
    const body = req.is?.('application/json') ? req.body : undefined;
    const input = { ...toMfaRequest(req, this.settings.getUser), params: { ...req.params }, body };
    writeResult(res, await handleRoute(this.mfa, name, input));
  }
}

/**
 * `MfaController` mounted at another path, optionally behind guards (the primary
 * authentication). `MfaModule.forRoot()` uses it for its `path` and `guards` options; call it
 * yourself to mount the controller in a module of your own (with `path: false` on the module).
 *
 * @param path where to mount, under the global prefix, e.g. 'auth/mfa'
 * @param guards put in front of every route, e.g. `[AuthGuard('jwt')]`
 *
 * @example
 * ```ts
 * const AuthMfaController = createMfaController('auth/mfa', [AuthGuard('jwt')]);
 *
 * @Module({ imports: [MfaModule.forRoot(mfa, { path: false })], controllers: [AuthMfaController] })
 * export class AuthModule {}
 * ```
 */
export function createMfaController(path: string, guards: ControllerGuard[] = []): Type<MfaController> {
  const mount = typeof path === 'string' ? normalizePath(path) : '';
  // At the root, the catch-all route would answer every unknown route of the application.
  if (!mount) throw new MfaError('invalid_option', "createMfaController needs a non-empty path such as 'mfa'");
  @Controller(mount)
  class MountedMfaController extends MfaController {}
  if (guards.length > 0) UseGuards(...guards)(MountedMfaController);
  return MountedMfaController;
}
