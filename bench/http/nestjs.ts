import 'reflect-metadata';
import { MfaGuard, MfaModule, RequireMFA } from '@mfakit/nestjs';
import { applyDecorators, Controller, Get, type INestApplication, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { type Fixture, JWT_ALGORITHMS, userOfPayload, type Variant } from './lib/fixture';

const STRATEGY = 'bench-jwt';

/**
 * The NestJS server of a variant (platform-express): `jwt` guards the route with
 * `AuthGuard` of a passport-jwt strategy (the baseline); `mfa-*` add `@RequireMFA()` and
 * `MfaGuard` after it, as packages/nestjs/README.md does. Not listening yet.
 */
export async function nestApp(variant: Variant, fixture: Fixture): Promise<INestApplication> {
  if (variant === 'bare') throw new Error('bare is measured on Express only');
  const { mfa } = fixture;

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
  const Protected = mfa ? applyDecorators(RequireMFA(), UseGuards(JwtAuthGuard, MfaGuard)) : UseGuards(JwtAuthGuard);

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
