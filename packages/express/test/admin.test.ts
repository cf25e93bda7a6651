/**
 * Threat: the Express admin router letting a non-administrator, or an administrator without a
 * recent MFA proof, strip a user's factors or exempt them from MFA; or mishandling a body or a
 * user id into a 500 or an action on the wrong user. Runs the shared admin suite, and checks what
 * is Express's own: options refused at construction, and `always` reaching the core.
 */
import type { MfaUser } from '@mfakit/core';
import { describeAdminRoutes } from '@mfakit/testing';
import express, { type Request, type RequestHandler } from 'express';
import request from 'supertest';
import { type GetUser, mfaAdminRouter, mfaRouter, requireMfa } from '../src';
import { expectProblem, testMfa } from './helpers';

type WithUser = Request & { user?: MfaUser };

/** The stand-in primary authentication: `X-Test-User` is the user, `X-Test-Roles` their roles. */
const testAuth: RequestHandler = function testAuth(req, _res, next) {
  const id = req.get('X-Test-User');
  const roles = req.get('X-Test-Roles');
  if (id) (req as WithUser).user = { id, ...(roles !== undefined ? { roles: roles.split(',') } : {}) };
  next();
};

/** The whole user, roles included, as an application that authorizes by role hands it over. */
const getUser: GetUser = (req) => (req as WithUser).user ?? null;

describeAdminRoutes('express', (mfa, admin) => {
  const app = express();
  app.use(testAuth);
  app.use('/mfa/admin', mfaAdminRouter(mfa, { ...admin, getUser }));
  app.use('/mfa', mfaRouter(mfa, { getUser }));
  app.get('/protected', requireMfa(mfa, { getUser }), (_req, res) => {
    res.json({ ok: true });
  });
  return { handler: app };
});

describe('mfaAdminRouter on Express', () => {
  test('without authorize, or with a bad listUsers or maxAge: invalid_option at construction', () => {
    const mfa = testMfa();
    const bad = [{}, { authorize: true }, { authorize: () => true, listUsers: [] }, { authorize: () => true, maxAge: 'soon' }] as unknown as Parameters<typeof mfaAdminRouter>[1][];
    for (const options of bad) expect(() => mfaAdminRouter(mfa, options)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });

  test('requireMfa({ always: true }) demands MFA of a user whom the policy does not require', async () => {
    const mfa = testMfa({ policy: { required: { roles: ['admin'] } } });
    const app = express();
    app.use(testAuth);
    app.get('/relaxed', requireMfa(mfa, { getUser }), (_req, res) => res.json({ ok: true }));
    app.get('/always', requireMfa(mfa, { getUser, always: true }), (_req, res) => res.json({ ok: true }));
    expect((await request(app).get('/relaxed').set('X-Test-User', 'carol')).status).toBe(200);
    expectProblem(await request(app).get('/always').set('X-Test-User', 'carol'), 403, 'mfa_enrollment_required');
    expect(() => requireMfa(mfa, { always: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});
