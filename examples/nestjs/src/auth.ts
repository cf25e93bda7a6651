import type { KeyObject } from 'node:crypto';
import { authenticationRequired, type DemoPrincipal, JWT_ALGORITHMS, userOfClaims } from '@mfakit/example-shared';
import { type CanActivate, Injectable, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DemoAnswer } from './problems';

/** The user passport-jwt leaves on `req.user`: the demo user, and the token's `amr` and `auth_time` (see `userOfClaims`). */
export type DemoUser = DemoPrincipal;

let apps = 0;

/**
 * The primary authentication: a passport-jwt strategy for `Authorization: Bearer <JWT>` (HS256
 * only, the key as a KeyObject; `sub` names the user, who must still exist; any such token passes,
 * an SSO's too) and the guard that
 * runs it. @nestjs/passport keeps strategies in passport's global instance, so each app registers
 * its own under a name of its own (two demo apps in one process keep their own secrets) and
 * removes it when it closes. The classes close over the key: no constructor injection, which
 * tsx (esbuild, no decorator metadata) could not resolve anyway.
 */
export function jwtAuth(key: KeyObject): { JwtStrategy: Type<unknown>; JwtAuthGuard: Type<CanActivate> } {
  apps += 1;
  const name = `demo-jwt-${apps}`;

  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, name) implements OnApplicationShutdown {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // @types/passport-jwt says string | Buffer; passport-jwt hands the key to jsonwebtoken, which takes a KeyObject.
        secretOrKey: key as unknown as Buffer,
        algorithms: JWT_ALGORITHMS,
      });
    }

    /** The user the verified claims name, or null (passport-jwt then fails: a 401). */
    validate(payload: unknown): DemoUser | null {
      return userOfClaims(payload as Parameters<typeof userOfClaims>[0]);
    }

    onApplicationShutdown(): void {
      passport.unuse(name);
    }
  }

  /**
   * AuthGuard of this app's strategy, answering a missing or bad token with the demos' 401 problem
   * (RFC 6750 challenge) instead of Nest's `UnauthorizedException`.
   */
  @Injectable()
  class JwtAuthGuard extends AuthGuard(name) {
    override handleRequest<TUser = DemoUser>(err: unknown, user: TUser | false | null, info: unknown): TUser {
      if (err) throw err;
      if (user) return user;
      const reason = (info as { name?: string; message?: string } | undefined) ?? {};
      throw new DemoAnswer(authenticationRequired(reason.message === 'No auth token' ? 'missing' : reason.name === 'TokenExpiredError' ? 'expired' : 'invalid'));
    }
  }

  return { JwtStrategy, JwtAuthGuard };
}
