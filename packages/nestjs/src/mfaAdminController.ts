// biome-ignore lint/style/useImportType: Mfa is injected through the constructor: NestJS DI needs a runtime import of it (with import type, the decorator metadata names Object)
import { Mfa, MfaError } from '@mfakit/core';
import { type AdminRouteName, handleAdminRoute, problemResponse } from '@mfakit/core/http';
import { All, Controller, Delete, Get, Inject, type OnModuleInit, Post, Put, Req, Res, type Type, UseGuards } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { type MfaHttpRequest, type MfaHttpResponse, toMfaRequest, writeResult } from './lib/http';
import { installRequestErrorHandler } from './lib/requestErrors';
import { type ControllerGuard, MFA, MFA_ADMIN_OPTIONS, MFA_MODULE_OPTIONS, type MfaAdminSettings, type MfaModuleSettings, normalizePath } from './mfaOptions';
import { SkipMfa } from './requireMfa';

/**
 * The admin routes of the HTTP contract (`ADMIN_ROUTES`), at `/mfa/admin`: the report of every
 * user, revoking all of a user's factors and sessions (a lost device), granting and lifting an
 * exemption. Each route hands the request to the core (`handleAdminRoute`), which decides: a
 * signed-in user (401), allowed by `authorize` (403 `forbidden`), with an MFA proof of their own
 * at most `maxAge` old (401 `mfa_required` / `mfa_stale`). Unknown routes under the mount answer
 * `404 not_found`, body errors 400/413/415, all as problem+json.
 *
 * `MfaModule.forRoot()` mounts it at `<path>/admin` when given the `admin` option, behind the
 * module's `guards`; the core checks the administrator's MFA itself, so `MfaGuard` skips it.
 * The module's `getUser` must return the roles that `authorize` checks. The audit events
 * (`user.revoked`, `exemption.granted`, `exemption.lifted`) reach the core's `onEvent` option:
 * keep them there if you need an audit trail; mfakit stores none.
 *
 * @see NIST SP 800-63B 6.1.2.3 (replacing a lost authenticator)
 * @see https://www.rfc-editor.org/rfc/rfc9470 (the step-up challenge of a stale administrator)
 *
 * @example
 * MfaModule.forRoot(mfa, { guards: [AuthGuard('jwt')], admin: { authorize: (user) => user.roles?.includes('admin') ?? false } });
 * // GET /mfa/admin/report, DELETE /mfa/admin/users/:userId/factors, PUT and DELETE /mfa/admin/users/:userId/exemption
 */
@SkipMfa()
@Controller('mfa/admin')
export class MfaAdminController implements OnModuleInit {
  constructor(
    @Inject(MFA) private readonly mfa: Mfa,
    @Inject(MFA_MODULE_OPTIONS) private readonly settings: MfaModuleSettings,
    @Inject(MFA_ADMIN_OPTIONS) private readonly admin: MfaAdminSettings,
    // Explicit tokens: tools without decorator metadata (tsx, esbuild) still inject.
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** `GET /mfa/admin/report`: where every user stands (required, enrolled, exempt, factors, last proof), then the totals; 200. */
  @Get('report')
  report(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('report', req, res);
  }

  /** `DELETE /mfa/admin/users/:userId/factors`: removes every factor and recovery code of the user and ends all their MFA sessions (a lost device); 200 `{ factorsRemoved }`. */
  @Delete('users/:userId/factors')
  revoke(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('revoke', req, res);
  }

  /**
   * `DELETE /mfa/admin/users/:userId/lock`: clears the user's locks and failure streak, so codes
   * work again after too many wrong ones in a row; 204.
   */
  @Delete('users/:userId/lock')
  unlock(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('unlock', req, res);
  }

  /**
   * `PUT /mfa/admin/users/:userId/exemption`, body `{ reason, expiresAt }` (ISO 8601 or ms since
   * the epoch, in the future and at most a year away): exempts the user from MFA until then,
   * replacing any earlier exemption; 200, or 400 `invalid_request`.
   */
  @Put('users/:userId/exemption')
  grantExemption(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('grantExemption', req, res);
  }

  /** `DELETE /mfa/admin/users/:userId/exemption`: ends the user's exemption; 204, or 404 `not_found` when there is none. */
  @Delete('users/:userId/exemption')
  liftExemption(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('liftExemption', req, res);
  }

  /**
   * `POST /mfa/admin/users/:userId/factors/:factorId/enable`: enables again a passkey that was
   * disabled because its signature counter went backwards; 204, or 404 `factor_not_found`.
   */
  @Post('users/:userId/factors/:factorId/enable')
  enableFactor(@Req() req: MfaHttpRequest, @Res() res: MfaHttpResponse): Promise<void> {
    return this.answer('enableFactor', req, res);
  }

  /** Anything else under the mount is not an admin route. Declared last: it matches all. */
  @All(['', '{*rest}'])
  notFound(@Req() req: MfaHttpRequest & { method?: string; path?: string }, @Res() res: MfaHttpResponse): void {
    const detail = `No such MFA admin route: ${req.method ?? ''} ${(req.path ?? '').slice(0, 100)}`;
    writeResult(res, problemResponse({ code: 'not_found', detail }));
  }

  /**
   * Nest's start-up hook: on platform-express, installs the handler that answers body-parser
   * errors on this controller's routes as 400/413/415 problems; once per mount path. Not for the
   * application to call.
   */
  onModuleInit(): void {
    const mount = normalizePath(String(Reflect.getMetadata(PATH_METADATA, this.constructor) ?? ''));
    if (mount) installRequestErrorHandler(this.adapterHost, mount);
  }

  private async answer(name: AdminRouteName, req: MfaHttpRequest, res: MfaHttpResponse): Promise<void> {
    if (Number(req.headers['content-length']) > this.settings.bodyLimit) {
      return writeResult(res, problemResponse({ code: 'payload_too_large', detail: 'The body is larger than this API accepts.' }));
    }
    // JSON only, as the contract says: a form-encoded body that Nest's other parser read is no body.
    const body = req.is?.('application/json') ? req.body : undefined;
    const input = { ...toMfaRequest(req, this.settings.getUser), params: { ...req.params }, body };
    writeResult(res, await handleAdminRoute(this.mfa, name, input, this.admin));
  }
}

/**
 * `MfaAdminController` mounted at another path, optionally behind guards (the primary
 * authentication). `MfaModule.forRoot()` uses it for its `admin` option; call it yourself, with
 * `path: false` and the `admin` option on the module (which provides `MFA_ADMIN_OPTIONS`), to mount
 * the controller in a module of your own. Register it before the enrollment controller when it
 * lies under that controller's path: that controller answers 404 for every path it does not know.
 *
 * @param path where to mount, under the global prefix, e.g. 'auth/mfa/admin'
 * @param guards put in front of every route, e.g. `[AuthGuard('jwt')]`; none by default
 * @returns A subclass of `MfaAdminController` with its own `@Controller(path)`, for a module's
 *   `controllers`; it needs `MFA_ADMIN_OPTIONS`, which `MfaModule` provides with its `admin` option.
 * @throws MfaError `invalid_option` for an empty path (or '/'): at the root, the controller's
 *   catch-all would answer every unknown route of the application.
 *
 * @example
 * ```ts
 * const AdminMfaController = createMfaAdminController('auth/mfa/admin', [AuthGuard('jwt')]);
 *
 * @Module({
 *   imports: [MfaModule.forRoot(mfa, { path: false, admin: { authorize: (user) => user.roles?.includes('admin') ?? false } })],
 *   controllers: [AdminMfaController, createMfaController('auth/mfa', [AuthGuard('jwt')])],
 * })
 * export class AuthModule {}
 * ```
 */
export function createMfaAdminController(path: string, guards: ControllerGuard[] = []): Type<MfaAdminController> {
  const mount = typeof path === 'string' ? normalizePath(path) : '';
  // At the root, the catch-all route would answer every unknown route of the application.
  if (!mount) throw new MfaError('invalid_option', "createMfaAdminController needs a non-empty path such as 'mfa/admin'");
  @Controller(mount)
  class MountedMfaAdminController extends MfaAdminController {}
  if (guards.length > 0) UseGuards(...guards)(MountedMfaAdminController);
  return MountedMfaAdminController;
}
