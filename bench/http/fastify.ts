import { mfaServerOptions, requireMfa } from '@mfakit/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type onRequestHookHandler, type preHandlerHookHandler } from 'fastify';
import { bearerUser, type Fixture, ROUTE, type Variant } from './lib/fixture';
import type { Floor } from './lib/floor';

/** Where the primary authentication leaves the user, as @fastify/jwt does (not declared here: the adapter's tests declare it their way). */
type Authenticated = { user: { id: string } | null };
const userOf = (request: object) => (request as Authenticated).user!;

/**
 * The Fastify server of a variant, with `mfaServerOptions` as packages/fastify/README.md
 * advises: `jwt` verifies the token in an `onRequest` hook (the baseline); `floor-*` add the
 * least a session check does as a `preHandler` hook (lib/floor.ts); `mfa-*` add requireMfa as the
 * `preHandler`. Not listening yet.
 */
export function fastifyApp(variant: Variant, fixture: Fixture): FastifyInstance {
  if (variant === 'bare' || variant === 'jwt-noop') throw new Error(`${variant} is measured on Express only`);
  const app = Fastify({ ...mfaServerOptions });
  // As @fastify/jwt does: every request object has the property from the start (`never`: the
  // adapter's tests declare `user` their own way, and the project's tsc sees both).
  app.decorateRequest('user', null as never);
  const preHandler = fixture.mfa ? requireMfa(fixture.mfa) : fixture.floor ? floorCheck(fixture.floor) : undefined;
  app.get(ROUTE, { onRequest: jwtAuth(fixture), ...(preHandler ? { preHandler } : {}) }, async (request) => ({ userId: userOf(request).id }));
  return app;
}

/** The primary authentication on Fastify: jsonwebtoken's verify with the key as a KeyObject; `request.user`. */
function jwtAuth(fixture: Fixture): onRequestHookHandler {
  return function jwtAuth(request, reply, done) {
    const user = bearerUser(request.headers.authorization, fixture);
    if (!user) {
      reply.code(401).header('WWW-Authenticate', 'Bearer').send({ code: 'authentication_required' });
      return;
    }
    (request as unknown as Authenticated).user = user;
    done();
  };
}

/** The floor of a session check as a `preHandler` hook: the token's hash looked up, `request.mfa` set, on to the handler; else a 401. */
function floorCheck(floor: Floor): preHandlerHookHandler {
  const deny = (reply: FastifyReply) => void reply.code(401).send({ code: 'mfa_required' });
  return function floorCheck(request, reply, done) {
    const token = request.headers['x-session-token'];
    const live = floor.check(typeof token === 'string' ? token : undefined, userOf(request).id);
    if (live === true) {
      (request as { mfa?: unknown }).mfa = null;
      return done();
    }
    if (live === false) return deny(reply);
    void live.then((ok) => {
      if (!ok) return deny(reply);
      (request as { mfa?: unknown }).mfa = null;
      done();
    });
  };
}
