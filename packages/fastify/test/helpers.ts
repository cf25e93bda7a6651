import type { Mfa, MfaUser } from '@mfakit/core';
import { ADAPTER_STEP_UP_MAX_AGE } from '@mfakit/testing';
import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import { type GetUser, keepRawBody, type MfaRouterOptions, mfaRouter, mfaServerOptions, requireFreshMfa, requireMfa } from '../src';

declare module 'fastify' {
  interface FastifyRequest {
    /** The stand-in primary authentication's user. */
    user?: MfaUser;
  }
}

/** The stand-in primary authentication: `X-Test-User` is the user, `X-Test-Roles` their roles. */
export const testAuth: onRequestHookHandler = function testAuth(request, _reply, done) {
  const id = request.headers['x-test-user'];
  const roles = request.headers['x-test-roles'];
  if (typeof id === 'string' && id !== '') request.user = { id, ...(typeof roles === 'string' ? { roles: roles.split(',') } : {}) };
  done();
};

/** The whole user, roles included, as an application that authorizes by role hands it over. */
export const getUser: GetUser = (request) => request.user ?? null;

/**
 * The adapter suite's app, as an application would write it: the stand-in authentication, the
 * router at `/mfa`, and `/protected`, `/sensitive` (step-up) and `/hwk-only` behind the hooks.
 */
export function buildApp(mfa: Mfa, routerOptions: MfaRouterOptions = {}, trustProxy = false): FastifyInstance {
  // As the README advises: routes matched as Express matches them, malformed URLs as problems.
  const app = Fastify({ ...mfaServerOptions, trustProxy });
  app.addHook('onRequest', testAuth);
  app.register(mfaRouter(mfa, routerOptions), { prefix: '/mfa' });
  app.get('/protected', { preHandler: requireMfa(mfa) }, async (request) => ({ ok: true, user: request.user?.id, mfa: request.mfa }));
  app.post('/sensitive', { preHandler: requireFreshMfa(mfa, { maxAge: ADAPTER_STEP_UP_MAX_AGE }) }, async (request) => ({ ok: true, mfa: request.mfa }));
  app.get('/hwk-only', { preHandler: requireMfa(mfa, { methods: ['hwk'] }) }, async (request) => ({ ok: true, mfa: request.mfa }));
  app.register((scope, _options, done) => {
    keepRawBody(scope);
    scope.post('/once', { preHandler: requireFreshMfa(mfa, { once: { bindBody: true } }) }, async (request) => ({ ok: true, mfa: request.mfa }));
    done();
  });
  return app;
}
