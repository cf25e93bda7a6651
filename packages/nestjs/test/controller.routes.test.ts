/**
 * Threat: the Nest controller drifting from the HTTP contract (a route missing, or mounted at
 * another path or method), so that a client written for one framework breaks on another; or the
 * routes lost under an application's global prefix. Each route of CONTRACT_ROUTES is a handler
 * with its method and path, and the routes, their 404s and body errors answer under a global
 * prefix too. (What each route answers is the adapter contract, run in contract.test.ts.)
 */
import { CONTRACT_ROUTES } from '@mfakit/core/http';
import { PATH_METADATA } from '@nestjs/common/constants';
import request from 'supertest';
import { createMfaController, MfaController } from '../src';
import { enrollTotp, expectHandlers, expectProblem, makeHarness } from './helpers';

describe('the controller covers the contract', () => {
  test('every route of CONTRACT_ROUTES is a handler with its method and path', () => {
    expectHandlers(MfaController, CONTRACT_ROUTES);
  });

  test('createMfaController mounts at another path', () => {
    expect(Reflect.getMetadata(PATH_METADATA, createMfaController('/auth/mfa/'))).toBe('auth/mfa');
    expect(Reflect.getMetadata(PATH_METADATA, MfaController)).toBe('mfa');
  });

  test('createMfaController refuses the root: its catch-all would answer every unknown route', () => {
    for (const path of ['', '/', ' // ']) expect(() => createMfaController(path)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });
});

describe('under a global prefix', () => {
  test('the routes, 404s and body errors all answer at /api/mfa', async () => {
    const h = await makeHarness({ configure: (app) => app.setGlobalPrefix('api') });
    await enrollTotp(h, 'alice', '/api/mfa');
    expectProblem(await request(h.app).get('/api/mfa/nope').set('X-Test-User', 'alice'), 404, 'not_found');
    const bad = await request(h.app).post('/api/mfa/verify').set('X-Test-User', 'alice').set('Content-Type', 'application/json').send('{"code":');
    expectProblem(bad, 400, 'invalid_request');
  });
});
