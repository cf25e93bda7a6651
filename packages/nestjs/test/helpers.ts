/**
 * A minimal Nest application around mfakit, as a user of the library would write it, for the
 * supertest suites of the HTTP contract (DESIGN.md, "The HTTP contract").
 *
 * The primary authentication is a stand-in guard: `X-Test-User: <id>` makes `req.user = { id }`,
 * no header leaves the request anonymous. Time is a FakeClock. Every app a test builds is closed
 * after the test.
 */
import 'reflect-metadata';
import { createMfa, type Mfa, type MfaEvent, type MfaOptions } from '@mfakit/core';
import { FakeClock, hotpCode, TEST_RECOVERY_CODE_COST, totpCode } from '@mfakit/testing';
import { type CanActivate, Controller, type ExecutionContext, Get, HttpCode, type INestApplication, Injectable, type ModuleMetadata, Post, Req, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import request from 'supertest';
import { MfaGuard, MfaModule, type MfaModuleOptions, MfaState, RequireMFA } from '../src';

/** A fixed 32-byte key: tests need no key material from the environment. */
export const TEST_KEYS = [{ id: 'test1', key: Buffer.alloc(32, 0x5a) }];

/** The step-up window of `POST /sensitive`, in seconds. */
export const SENSITIVE_MAX_AGE = 300;

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

/** The three kinds of protected route, guarded per controller with @UseGuards. */
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
}

const open: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** Compiles a test module and starts its app (no listening socket; supertest opens one). */
export async function startApp(metadata: ModuleMetadata, configure?: (app: INestApplication) => void): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: false });
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

export interface Enrolled {
  factorId: string;
  secret: string;
  sessionToken: string;
  recoveryCodes: string[];
}

/** Enrolls and confirms a first TOTP factor through the controller; fails the test on any surprise. */
export async function enrollTotp(h: Harness, user: string, base = '/mfa'): Promise<Enrolled> {
  const started = await request(h.app).post(`${base}/totp`).set('X-Test-User', user).expect(201);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(h.app)
    .post(`${base}/totp/${factorId}/confirm`)
    .set('X-Test-User', user)
    .send({ code: totpCode(secret, h.clock) })
    .expect(200);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

/** Enrolls and confirms a first HOTP factor (counter 0) through the controller. */
export async function enrollHotp(h: Harness, user: string): Promise<Enrolled> {
  const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', user).expect(201);
  const { factorId, secret } = started.body as { factorId: string; secret: string };
  const confirmed = await request(h.app)
    .post(`/mfa/hotp/${factorId}/confirm`)
    .set('X-Test-User', user)
    .send({ code: hotpCode(secret, 0) });
  if (confirmed.status !== 200) throw new Error(`HOTP confirmation answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  return { factorId, secret, sessionToken: confirmed.body.session.sessionToken, recoveryCodes: confirmed.body.recoveryCodes };
}

export { expectChallenge, expectProblem } from '@mfakit/testing';
