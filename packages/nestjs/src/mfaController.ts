// biome-ignore lint/style/useImportType: Mfa is injected through the constructor: NestJS DI needs a runtime import of it (with import type, the decorator metadata names Object)
import { Mfa, MfaError } from '@mfakit/core';
import { CONTRACT_ROUTES, createRateLimiter, handleRoute, problemResponse, type RateLimitHit, type RouteName } from '@mfakit/core/http';
import { All, Controller, Delete, Get, Inject, type OnModuleInit, Post, Req, Res, type Type, UseGuards } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { type MfaHttpRequest, type MfaHttpResponse, toMfaRequest, writeResult } from './lib/http';
import { installRequestErrorHandler } from './lib/requestErrors';
import { type ControllerGuard, MFA, MFA_MODULE_OPTIONS, type MfaModuleSettings, normalizePath } from './mfaOptions';
import { SkipMfa } from './requireMfa';

// The routes behind the per-address limit of failures: those that check proofs or store challenges.
const LIMITED = new Set(CONTRACT_ROUTES.filter((route) => route.verification).map((route) => route.name));

/**
 * The enrollment and verification routes of the HTTP contract, at `/mfa`: status, TOTP, HOTP,
 * email and SMS enrollment, verification with a code or a recovery code, WebAuthn registration and
 * authentication, recovery-code regeneration, factor removal and session end. Each route hands
 * the request to the core (`handleRoute`) and writes its answer unchanged; unknown routes under
 * the mount answer `404 not_found`, body errors 400/413/415, all as problem+json. Every answer is
 * `Cache-Control: no-store`; a failing store is a 503 `mfa_unavailable` (fail closed).
 *
 * `MfaModule.forRoot()` mounts it (option `path`); the routes need the primary authentication
 * (module option `guards`, or a global guard) and never an MFA session (`@SkipMfa()`).
 * A per-address limit of failed requests (module option `rateLimit`) sits in front of the routes
 * that check proofs.
 * Only JSON bodies are read (`application/json`), up to the module's `bodyLimit`.
 *
 * The client must keep what it is shown once: the session token of a proof (send it as
 * `X-Session-Token`), and the recovery codes of the first factor (mfakit keeps only their salted
 * hashes).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457 (problem details)
 * @see https://www.rfc-editor.org/rfc/rfc6238 (TOTP) and https://www.rfc-editor.org/rfc/rfc4226 (HOTP)
 * @see NIST SP 800-63B 5.1.2 (look-up secrets: recovery codes), 5.1.3 (out-of-band: email, SMS),
 *   5.1.4 (OTP devices), 5.2.2 (rate limiting)
 *
 * @example
 * MfaModule.forRoot({ issuer: 'Acme' }, { path: 'mfa', guards: [AuthGuard('jwt')] });
 * // POST /mfa/totp, POST /mfa/totp/:factorId/confirm, POST /mfa/verify, ...
 */
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
    this.limit = settings.rateLimit ? createRateLimiter(settings.rateLimit, mfa) : null;
  }

  /** `GET /mfa`: where the user stands (required, exempt, factors, recovery codes left, session); 200. */
  @Get()
  status(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('status', req, res);
  }

  /**
   * `POST /mfa/totp`, body `{ label? }`: starts a TOTP enrollment (RFC 6238); 201 with the secret,
   * the `otpauth://` URL and its QR code, shown once. A user with a factor needs a fresh proof.
   */
  @Post('totp')
  enrollTotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollTotp', req, res);
  }

  /** `POST /mfa/totp/:factorId/confirm`, body `{ code }`: activates the factor and opens a session; the first factor also returns recovery codes, shown once. */
  @Post('totp/:factorId/confirm')
  confirmTotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmTotp', req, res);
  }

  /** `POST /mfa/hotp`, body `{ label? }`: starts an HOTP enrollment (RFC 4226); 201, as `enrollTotp`. */
  @Post('hotp')
  enrollHotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollHotp', req, res);
  }

  /** `POST /mfa/hotp/:factorId/confirm`, body `{ code }`: activates the factor, as `confirmTotp`. */
  @Post('hotp/:factorId/confirm')
  confirmHotp(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmHotp', req, res);
  }

  /**
   * `POST /mfa/verify`, body `{ code }` (with `factorId` for an email or SMS code) or
   * `{ recoveryCode }`: proves a factor and issues a new session; 200 with the `sessionToken`,
   * which the client keeps. Failures count towards the lockout (NIST SP 800-63B 5.2.2).
   */
  @Post('verify')
  verify(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('verify', req, res);
  }

  /** `POST /mfa/email`, body `{ email, label? }`: sends a code to the address to enroll it; 201. Needs the core's `oob` option, else 404. */
  @Post('email')
  enrollEmail(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollEmail', req, res);
  }

  /** `POST /mfa/email/:factorId/confirm`, body `{ code }`: activates the email factor with the code sent to it. */
  @Post('email/:factorId/confirm')
  confirmEmail(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmEmail', req, res);
  }

  /** `POST /mfa/sms`, body `{ phone, label? }`: sends a code to the number to enroll it; 201. Needs the core's `oob` option, else 404. */
  @Post('sms')
  enrollSms(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enrollSms', req, res);
  }

  /** `POST /mfa/sms/:factorId/confirm`, body `{ code }`: activates the SMS factor with the code sent to it. */
  @Post('sms/:factorId/confirm')
  confirmSms(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('confirmSms', req, res);
  }

  /** `POST /mfa/challenge`, body `{ factorId }`: sends a code to one of the user's email or SMS factors; 202. */
  @Post('challenge')
  challenge(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('challenge', req, res);
  }

  /** `POST /mfa/webauthn/registration/options`: WebAuthn creation options for `startRegistration()`; 404 without the core's `webauthn` option. */
  @Post('webauthn/registration/options')
  webauthnRegistrationOptions(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnRegistrationOptions', req, res);
  }

  /** `POST /mfa/webauthn/registration`, body `{ response, label? }`: verifies the attestation and adds the passkey or security key; 201. */
  @Post('webauthn/registration')
  webauthnRegistration(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnRegistration', req, res);
  }

  /** `POST /mfa/webauthn/authentication/options`: WebAuthn request options listing the user's credentials, for `startAuthentication()`. */
  @Post('webauthn/authentication/options')
  webauthnAuthenticationOptions(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnAuthenticationOptions', req, res);
  }

  /** `POST /mfa/webauthn/authentication`, body `{ response }`: verifies the assertion and issues a new session, as `verify`. */
  @Post('webauthn/authentication')
  webauthnAuthentication(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('webauthnAuthentication', req, res);
  }

  /** `POST /mfa/recovery-codes`: a new set of recovery codes, shown once (the old set is void); needs a fresh proof. */
  @Post('recovery-codes')
  regenerateRecoveryCodes(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('regenerateRecoveryCodes', req, res);
  }

  /** `DELETE /mfa/factors/:factorId`: removes one of the user's factors; 204. Needs a fresh proof. */
  @Delete('factors/:factorId')
  removeFactor(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('removeFactor', req, res);
  }

  /** `DELETE /mfa/session`: ends the MFA session the request carries (sign-out); 204. */
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

  /**
   * Nest's start-up hook: on platform-express, installs the handler that answers body-parser
   * errors (bad JSON, too large, unknown charset) on this controller's routes as 400/413/415
   * problems; once per mount path. Not for the application to call.
   */
  onModuleInit(): void {
    const mount = normalizePath(String(Reflect.getMetadata(PATH_METADATA, this.constructor) ?? ''));
    if (mount) installRequestErrorHandler(this.adapterHost, mount);
  }

  private async answer(name: RouteName, req: MfaHttpRequest, res: MfaHttpResponse): Promise<void> {
    // A body over the limit is refused before the limiter, as the other adapters' parsers refuse it.
    if (Number(req.headers['content-length']) > this.settings.bodyLimit) {
      return writeResult(res, problemResponse({ code: 'payload_too_large', detail: 'The body is larger than this API accepts.' }));
    }
    const hit = this.limit && LIMITED.has(name) ? this.limit(req.ip) : null;
    if (hit) {
      for (const [header, value] of Object.entries(hit.headers)) res.setHeader(header, value);
      if (hit.denied) return writeResult(res, hit.denied);
    }
    // JSON only, as the contract says: a form-encoded body that Nest's other parser read is no body.
    const body = req.is?.('application/json') ? req.body : undefined;
    const input = { ...toMfaRequest(req, this.settings.getUser), params: { ...req.params }, body };
    const result = await handleRoute(this.mfa, name, input);
    hit?.answered(result.status); // only failures (4xx) stay counted
    writeResult(res, result);
  }
}

/**
 * `MfaController` mounted at another path, optionally behind guards (the primary
 * authentication). `MfaModule.forRoot()` uses it for its `path` and `guards` options; call it
 * yourself to mount the controller in a module of your own (with `path: false` on the module).
 *
 * @param path where to mount, under the global prefix, e.g. 'auth/mfa'
 * @param guards put in front of every route, e.g. `[AuthGuard('jwt')]`; none by default
 * @returns A subclass of `MfaController` with its own `@Controller(path)`, for a module's `controllers`.
 * @throws MfaError `invalid_option` for an empty path (or '/'): at the root, the controller's
 *   catch-all would answer every unknown route of the application.
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
