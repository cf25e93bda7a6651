import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { Mfa } from '@mfakit/core';
import {
  type DemoAppOptions,
  demoSetup,
  jwtKey,
  login,
  MFA_CLIENT_PATH,
  mfaClientBundle,
  PAYEE_HELP,
  type PayeeRequest,
  parsePayee,
  parseTransfer,
  payeeAdded,
  problem,
  PUBLIC_DIR,
  TRANSFER_HELP,
  type TransferRequest,
  transferMade,
  WEBAUTHN_BROWSER_BUNDLE,
} from '@mfakit/example-shared';
import { MfaGuard, MfaModule, MfaState, RequireMFA, writeResult } from '@mfakit/nestjs';
import { type CanActivate, Controller, type ExecutionContext, Get, Header, HttpCode, type INestApplication, Injectable, type LoggerService, Module, Post, Req, Res, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { type DemoUser, jwtAuth } from './auth';
import { DemoAnswer, JsonBody, JsonOnlyBody, ProblemFilter, securityHeaders } from './problems';

export type { DemoAppOptions };

/** A request past the guards: the user from passport-jwt, and the transfer or payee checked by ValidTransfer or ValidPayee. */
type DemoRequest = Request & { user?: DemoUser; transfer?: TransferRequest; payee?: PayeeRequest };

/**
 * Checks a transfer before the step-up check (it comes before MfaGuard in `@UseGuards()`), so that
 * a malformed one does not spend the user's inline code.
 */
@Injectable()
class ValidTransfer implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<DemoRequest>();
    const transfer = parseTransfer(req.body);
    if (!transfer) throw new DemoAnswer(problem('invalid_request', TRANSFER_HELP));
    req.transfer = transfer;
    return true;
  }
}

/** Checks a payee before the step-up check (before MfaGuard), so a malformed one spends neither the grant nor the code. */
@Injectable()
class ValidPayee implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<DemoRequest>();
    const payee = parsePayee(req.body);
    if (!payee) throw new DemoAnswer(problem('invalid_request', PAYEE_HELP));
    req.payee = payee;
    return true;
  }
}

/** Serves the WebAuthn browser bundle; `root` keeps send's dot-file rule to the file name (pnpm's path has `.pnpm`). */
function webauthnBrowserScript(): RequestHandler {
  if (!fs.existsSync(WEBAUTHN_BROWSER_BUNDLE)) throw new Error(`@simplewebauthn/browser's bundle is missing at ${WEBAUTHN_BROWSER_BUNDLE}: run pnpm install`);
  const root = path.dirname(WEBAUTHN_BROWSER_BUNDLE);
  const file = path.basename(WEBAUTHN_BROWSER_BUNDLE);
  return function webauthnBrowserScript(_req, res, next) {
    res.sendFile(file, { root }, (err) => err && next(err));
  };
}

/**
 * The Express instance under Nest, set up before Nest adds its routes: no X-Powered-By, the
 * security headers on every answer, and the page's files, @mfakit/client's bundle among them. What
 * is not a file falls through to Nest's routes, and so to the 404 problem.
 */
function expressInstance(): Express {
  const server = express();
  const mfaClientScript = mfaClientBundle();
  server.disable('x-powered-by');
  server.use(securityHeaders);
  server.use(express.static(PUBLIC_DIR, { index: 'index.html', dotfiles: 'ignore' }));
  server.get('/vendor/simplewebauthn-browser.js', webauthnBrowserScript());
  server.get(MFA_CLIENT_PATH, (_req, res) => {
    res.type('js').send(mfaClientScript);
  });
  return server;
}

/** Nest's own messages, through the demo's logger: warnings and errors only (a 500 is logged by ProblemFilter). */
function nestLogger(logger: { warn(message: string): void; error(message: string): void }): LoggerService {
  const text = (message: unknown) => (message instanceof Error ? `${message.name}: ${message.message}` : String(message)).slice(0, 500);
  return {
    log: () => {},
    warn: (message: unknown) => logger.warn(`[nest] ${text(message)}`),
    error: (message: unknown) => logger.error(`[nest] ${text(message)}`),
  };
}

/**
 * The mfakit demo on NestJS 12 (platform-express): the same app as the Express and Koa demos
 * (users, login, `/mfa` and `/mfa/admin`, the protected and step-up routes, the account routes,
 * the page), with @nestjs/passport's passport-jwt for the primary authentication and
 * @mfakit/nestjs for MFA. Not initialised yet:
 * the caller runs `await app.init()` (or `app.listen()`). Unusable options reject with the
 * original error (RangeError, MfaError `invalid_option`), before Nest is started.
 *
 * @example
 * const { app } = await createApp({ clock: new FakeClock() });
 * await app.init();
 * await request(app.getHttpServer()).post('/auth/login').send({ username: 'alice', password: 'alice-password' });
 */
export async function createApp(options: DemoAppOptions = {}): Promise<{ app: INestApplication; mfa: Mfa }> {
  const { mfa, clock, logger, jwtSecret, freshMaxAgeSeconds, admin, account } = demoSetup(options);
  const key = jwtKey(jwtSecret);
  const { JwtStrategy, JwtAuthGuard } = jwtAuth(key);

  @Controller('auth')
  class AuthController {
    @Post('login')
    @UseGuards(JsonOnlyBody)
    login(@Req() req: Request, @Res() res: Response): void {
      writeResult(res, login(req.body, key, clock));
    }
  }

  @Controller('api')
  class ApiController {
    // The account routes: the primary authentication only, no MFA (see examples/shared/src/account.ts).
    @Get('me')
    @UseGuards(JwtAuthGuard)
    me(@Req() req: DemoRequest, @Res() res: Response): void {
      writeResult(res, account.me(req.user!));
    }

    @Get('notifications')
    @UseGuards(JwtAuthGuard)
    notifications(@Req() req: DemoRequest, @Res() res: Response): void {
      writeResult(res, account.notifications(req.user!));
    }

    @Get('outbox')
    @UseGuards(JwtAuthGuard)
    outbox(@Req() req: DemoRequest, @Res() res: Response): void {
      writeResult(res, account.outbox(req.user!));
    }

    @Get('profile')
    @RequireMFA()
    @UseGuards(JwtAuthGuard, MfaGuard)
    @Header('Cache-Control', 'no-store')
    profile(@Req() req: DemoRequest, @MfaState() state: MfaState) {
      return { user: { id: req.user!.id }, mfa: state };
    }

    // Guards run in this order: the JWT, the body (JSON only), the transfer, and only then MFA.
    @Post('transfers')
    @RequireMFA({ maxAge: freshMaxAgeSeconds })
    @UseGuards(JwtAuthGuard, JsonOnlyBody, ValidTransfer, MfaGuard)
    @HttpCode(201)
    transfer(@Req() req: DemoRequest) {
      return transferMade(req.user!.id, req.transfer!, clock);
    }

    // A proof for this very request: a step-up grant made for its method, path and body (the
    // bytes JsonOnlyBody keeps as req.rawBody), spent by MfaGuard. Guards in the same order.
    @Post('payees')
    @RequireMFA({ once: { bindBody: true } })
    @UseGuards(JwtAuthGuard, JsonOnlyBody, ValidPayee, MfaGuard)
    @HttpCode(201)
    payee(@Req() req: DemoRequest) {
      return payeeAdded(req.user!.id, req.payee!, clock);
    }
  }

  @Module({
    imports: [
      // The enrollment routes at /mfa and the admin routes at /mfa/admin, behind the JWT (then
      // their JSON body is read), as on Express.
      MfaModule.forRoot(mfa, { path: 'mfa', guards: [JwtAuthGuard, JsonBody], admin, ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }) }),
    ],
    controllers: [AuthController, ApiController],
    providers: [JwtStrategy],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, new ExpressAdapter(expressInstance()), {
    bodyParser: false, // JSON bodies are read by the guards above, after the primary authentication
    logger: nestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemFilter(logger));
  return { app, mfa };
}
