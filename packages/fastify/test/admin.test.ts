/**
 * Threat: the Fastify admin router letting a non-administrator, or an administrator without a
 * recent MFA proof, strip a user's factors or exempt them from MFA; or mishandling a body or a
 * user id into a 500 or an action on the wrong user. Runs the shared admin suite, and checks what
 * is Fastify's own: options refused at construction.
 */
import { createMfa } from '@mfakit/core';
import { describeAdminRoutes, TEST_ENCRYPTION_KEYS } from '@mfakit/testing';
import Fastify from 'fastify';
import { mfaServerOptions, mfaAdminRouter, mfaRouter, requireMfa } from '../src';
import { getUser, testAuth } from './helpers';

describeAdminRoutes('fastify', async (mfa, admin) => {
  const app = Fastify(mfaServerOptions);
  app.addHook('onRequest', testAuth);
  app.register(mfaAdminRouter(mfa, { ...admin, getUser }), { prefix: '/mfa/admin' });
  app.register(mfaRouter(mfa, { getUser }), { prefix: '/mfa' });
  app.get('/protected', { preHandler: requireMfa(mfa, { getUser }) }, async () => ({ ok: true }));
  await app.ready();
  return { handler: app.server, close: () => app.close() };
});

test('mfaAdminRouter and mfaRouter refuse bad options at construction with invalid_option', () => {
  const mfa = createMfa({ issuer: 'Acme', encryptionKeys: TEST_ENCRYPTION_KEYS, logger: { warn: () => {}, error: () => {} } });
  const authorize = () => true;
  const bad = [{}, { authorize: true }, { authorize, listUsers: [] }, { authorize, maxAge: 'soon' }, { authorize, bodyLimit: 'lots' }, { authorize, bodyLimit: 0 }];
  for (const options of bad as unknown as Parameters<typeof mfaAdminRouter>[1][]) {
    expect(() => mfaAdminRouter(mfa, options)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  }
  for (const options of [{ bodyLimit: -1 }, { rateLimit: { windowMs: 0, limit: 1 } }] as unknown as Parameters<typeof mfaRouter>[1][]) {
    expect(() => mfaRouter(mfa, options)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  }
  expect(() => requireMfa(mfa, { always: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
});
