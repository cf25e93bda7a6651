/**
 * A minimal Nest application around mfakit, as a user of the library would write it: the app the
 * adapter contract suite runs against (contract.test.ts), and what Nest's own tests share.
 *
 * The primary authentication is a stand-in guard: `X-Test-User: <id>` makes `req.user = { id }`,
 * no header leaves the request anonymous. Time is a FakeClock. Every app a test builds is closed
 * after the test.
 */
import 'reflect-metadata';
import { createMfa, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { ADAPTER_STEP_UP_MAX_AGE, type EnrolledOverHttp, enrollTotpOverHttp, FakeClock, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  type INestApplication,
  Injectable,
  type ModuleMetadata,
  Post,
  Req,
  RequestMethod,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import { MfaGuard, MfaModule, type MfaModuleOptions, MfaState, RequireMFA } from '../src';

/** A fixed 32-byte key: tests need no key material from the environment. */
export const TEST_KEYS = [{ id: 'test1', key: Buffer.alloc(32, 0x5a) }];

/** The step-up window of `POST /sensitive`, in seconds. */
export const SENSITIVE_MAX_AGE = ADAPTER_STEP_UP_MAX_AGE;

export interface Logs {
  warn: string[];
  error: string[];
}

export interface Harness {
  /** The HTTP server, for supertest. */
  app: Server;
  nest: INestApplication;
  mfa: Mfa;
  clock: FakeClock;
  logs: Logs;
  events: MfaEvent[];
}

export interface HarnessOptions {
  /** Extra options for createMfa (override the defaults below). */
  mfa?: Partial<MfaOptions>;
  /** Options for MfaModule.forRoot; `guards` defaults to the test authentication. */
  module?: MfaModuleOptions;
  /** More of the test module: controllers, providers, imports. @default the ProtectedController */
  metadata?: ModuleMetadata;
  clock?: FakeClock;
  /** Called on the app before init, e.g. to set a global prefix. */
  configure?: (app: INestApplication) => void;
}

type WithUser = { headers: Record<string, string | string[] | undefined>; user?: { id: string } };

/** The fake primary authentication: the user named in `X-Test-User`, or none. */
@Injectable()
export class TestAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WithUser>();
    const id = req.headers['x-test-user'];
    if (typeof id === 'string' && id) req.user = { id };
    return true;
  }
}

/** The four kinds of protected route (`/once`: a proof for that request alone), guarded per controller with @UseGuards. */
@UseGuards(TestAuthGuard, MfaGuard)
@Controller()
export class ProtectedController {
  @Get('protected')
  protected(@Req() req: WithUser, @MfaState() mfa: MfaState) {
    return { ok: true, user: req.user?.id, mfa };
  }

  @RequireMFA({ maxAge: SENSITIVE_MAX_AGE })
  @Post('sensitive')
  @HttpCode(200)
  sensitive(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }

  @RequireMFA({ methods: ['hwk'] })
  @Get('hwk-only')
  hwkOnly(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }

  @RequireMFA({ once: { bindBody: true } })
  @Post('once')
  @HttpCode(200)
  once(@MfaState() mfa: MfaState) {
    return { ok: true, mfa };
  }
}

const open: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** Compiles a test module and starts its app (no listening socket; supertest opens one). */
export async function startApp(metadata: ModuleMetadata, configure?: (app: INestApplication) => void): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  // rawBody: Nest keeps each JSON body's bytes as req.rawBody, for grants bound to a body digest.
  const app = moduleRef.createNestApplication({ logger: false, rawBody: true });
  open.push(app);
  configure?.(app);
  await app.init();
  return app;
}

/** The options of createMfa the harness uses: fake clock, fixed key, captured logs and events. */
export function testMfaOptions(clock: FakeClock, logs: Logs, events: MfaEvent[], extra: Partial<MfaOptions> = {}): MfaOptions {
  return {
    issuer: 'Acme',
    encryptionKeys: TEST_KEYS,
    recoveryCodeCost: TEST_RECOVERY_CODE_COST,
    logger: { warn: (m) => logs.warn.push(m), error: (m) => logs.error.push(m) },
    onEvent: (event) => events.push(event),
    clock,
    ...extra,
  };
}

/** A new app, core, clock, captured logs and audit events: one per test, nothing shared. */
export async function makeHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const logs: Logs = { warn: [], error: [] };
  const events: MfaEvent[] = [];
  const mfa = createMfa(testMfaOptions(clock, logs, events, options.mfa));
  const metadata = options.metadata ?? { controllers: [ProtectedController] };
  const nest = await startApp({ ...metadata, imports: [MfaModule.forRoot(mfa, { guards: [TestAuthGuard], ...options.module }), ...(metadata.imports ?? [])] }, options.configure);
  return { app: nest.getHttpServer() as Server, nest, mfa, clock, logs, events };
}

/**
 * The next code an authenticator app shows: moves the clock one TOTP step on first, because a
 * code of a step already used is refused (replay protection).
 */
export function nextTotp(h: Harness, secret: string): string {
  h.clock.advanceSeconds(30);
  return totpCode(secret, h.clock);
}

/** Enrolls and confirms a first TOTP factor through the controller mounted at `base`; fails the test on any surprise. */
export function enrollTotp(h: Harness, user: string, base = '/mfa'): Promise<EnrolledOverHttp> {
  return enrollTotpOverHttp(h.app, h.clock, { user, base });
}

/** Asserts that each route is a handler of `controller`, mounted with the route's method and path. */
export function expectHandlers(controller: Type, routes: readonly { name: string; method: string; path: string }[]): void {
  const proto = controller.prototype as Record<string, object>;
  for (const route of routes) {
    const handler = proto[route.name];
    expect({ route: route.name, handler: typeof handler }).toEqual({ route: route.name, handler: 'function' });
    expect(RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler!)]).toBe(route.method);
    expect(`/${Reflect.getMetadata(PATH_METADATA, handler!)}`.replace(/^\/\/$/, '/')).toBe(route.path); // @Get() is '/'
  }
}

export { expectChallenge, expectProblem } from '@mfakit/testing';
