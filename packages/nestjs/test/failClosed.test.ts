/**
 * Threat: an outage of the state store (Redis down, a timeout) turning MFA off: MfaGuard letting
 * requests through when it cannot read the session, or the controller issuing sessions it could
 * not record, or a store error leaving as Nest's 500. Every store failure must answer
 * 503 mfa_unavailable as problem+json (fail closed, never open), logged without a secret.
 */
import { MemoryStore } from '@mfakit/core';
import { FakeClock, FlakyStateStore, STATE_METHODS, type StateMethod, totpCode } from '@mfakit/testing';
import request from 'supertest';
import { enrollTotp, expectProblem, type Harness, makeHarness, nextTotp } from './helpers';

const ALL = STATE_METHODS;

async function flakyHarness(): Promise<{ h: Harness; state: FlakyStateStore }> {
  const clock = new FakeClock();
  const state = new FlakyStateStore(new MemoryStore({ clock }));
  const h = await makeHarness({ clock, mfa: { stores: { factors: new MemoryStore({ clock }), state } } });
  return { h, state };
}

function expectNoSecrets(h: Harness, secrets: string[]): void {
  for (const line of [...h.logs.error, ...h.logs.warn]) for (const secret of secrets) expect(line).not.toContain(secret);
}

describe('MfaGuard when the state store fails', () => {
  test('a valid session gets 503 mfa_unavailable, never the handler; logged without the token', async () => {
    const { h, state } = await flakyHarness();
    const { sessionToken, secret } = await enrollTotp(h, 'alice');
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);

    state.failing = new Set(ALL);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
    expectProblem(res, 503, 'mfa_unavailable');
    expect(res.body.ok).toBeUndefined();
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(h.logs.error).toEqual([expect.stringContaining('ECONNREFUSED')]);
    expectNoSecrets(h, [sessionToken, secret]);

    state.failing.clear();
    await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
  });

  test('step-up and method routes fail closed too; an inline code whose session cannot be stored: 503, no X-Session-Token', async () => {
    const { h, state } = await flakyHarness();
    const { sessionToken, secret } = await enrollTotp(h, 'alice');
    state.failing = new Set<StateMethod>(['get', 'getMany']);
    expectProblem(await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 503, 'mfa_unavailable');
    expectProblem(await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 503, 'mfa_unavailable');
    state.failing = new Set<StateMethod>(['set']);
    const code = nextTotp(h, secret);
    const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code);
    expectProblem(res, 503, 'mfa_unavailable');
    expect(res.headers['x-session-token']).toBeUndefined();
    expectNoSecrets(h, [code, secret]);
  });
});

describe('MfaController when the state store fails', () => {
  test('every route that needs the state store answers 503 mfa_unavailable; nothing changes', async () => {
    const { h, state } = await flakyHarness();
    const { sessionToken, secret, recoveryCodes, factorId } = await enrollTotp(h, 'alice');
    const code = totpCode(secret, h.clock, { offsetSteps: 1 });
    state.failing = new Set(ALL);
    const as = (req: request.Test) => req.set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);

    expectProblem(await as(request(h.app).get('/mfa')), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).post('/mfa/totp')), 503, 'mfa_unavailable');
    expectProblem(await request(h.app).post('/mfa/hotp').set('X-Test-User', 'bob'), 503, 'mfa_unavailable');
    expectProblem(await request(h.app).post('/mfa/totp/fac_x/confirm').set('X-Test-User', 'bob').send({ code }), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).post('/mfa/verify').send({ code })), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).post('/mfa/verify').send({ recoveryCode: recoveryCodes[0] })), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).post('/mfa/recovery-codes')), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).delete(`/mfa/factors/${factorId}`)), 503, 'mfa_unavailable');
    expectProblem(await as(request(h.app).delete('/mfa/session')), 503, 'mfa_unavailable');

    expect(h.logs.error).toHaveLength(9);
    expectNoSecrets(h, [sessionToken, secret, code, ...recoveryCodes]);
    state.failing.clear();
    const status = await as(request(h.app).get('/mfa')).expect(200);
    expect(status.body).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10 });
  });
});
