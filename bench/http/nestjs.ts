import 'reflect-metadata';
import { MfaGuard, MfaModule, RequireMFA } from '@mfakit/nestjs';
import { applyDecorators, type CanActivate, Controller, type ExecutionContext, Get, type INestApplication, Injectable, Module, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { type Fixture, JWT_ALGORITHMS, userOfPayload, type Variant } from './lib/fixture';
import type { Floor } from './lib/floor';

const STRATEGY = 'bench-jwt';

/**
 * The NestJS server of a variant (platform-express): `jwt` guards the route with
 * `AuthGuard` of a passport-jwt strategy (the baseline); `floor-*` add a guard doing the least a
 * session check does (lib/floor.ts) after it; `mfa-*` add `@RequireMFA()` and `MfaGuard` after it,
 * as packages/nestjs/README.md does. Not listening yet.
 */
export async function nestApp(variant: Variant, fixture: Fixture): Promise<INestApplication> {
  if (variant === 'bare' || variant === 'jwt-noop') throw new Error(`${variant} is measured on Express only`);
  const { mfa, floor } = fixture;

  // Closes over the key: no constructor injection, which tsx (no decorator metadata) cannot resolve.
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, STRATEGY) {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
        secretOrKey: fixture.key as unknown as Buffer,
        algorithms: JWT_ALGORITHMS,
      });
    }

    validate(payload: unknown): { id: string } | null {
      return userOfPayload(payload as Parameters<typeof userOfPayload>[0]);
    }
  }

  const JwtAuthGuard = AuthGuard(STRATEGY);
  const Protected = mfa ? applyDecorators(RequireMFA(), UseGuards(JwtAuthGuard, MfaGuard)) : floor ? UseGuards(JwtAuthGuard, floorGuard(floor)) : UseGuards(JwtAuthGuard);

  @Controller('api')
  class ProfileController {
    @Protected
    @Get('profile')
    profile(@Req() req: Request): { userId: string } {
      return { userId: req.user!.id };
    }
  }

  @Module({
    imports: mfa ? [MfaModule.forRoot(mfa, { path: false })] : [],
    controllers: [ProfileController],
    providers: [JwtStrategy],
  })
  class AppModule {}

  return NestFactory.create(AppModule, { logger: ['error', 'warn'] });
}

/** The floor of a session check as a Nest guard: the token's hash looked up, `req.mfa` set; else a 401. */
function floorGuard(floor: Floor): new () => CanActivate {
  const pass = (req: Request) => {
    (req as { mfa?: unknown }).mfa = null;
    return true;
  };
  @Injectable()
  class FloorGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean | Promise<boolean> {
      const req = context.switchToHttp().getRequest<Request>();
      const token = req.headers['x-session-token'];
      const live = floor.check(typeof token === 'string' ? token : undefined, req.user!.id);
      if (live === true) return pass(req);
      if (live === false) throw new UnauthorizedException({ code: 'mfa_required' });
      return live.then((ok) => {
        if (!ok) throw new UnauthorizedException({ code: 'mfa_required' });
        return pass(req);
      });
    }
  }
  return FloorGuard;
}
