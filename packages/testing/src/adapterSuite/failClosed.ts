/**
 * Threat: an outage of a store (Redis down, a timeout, a dropped database connection) turning
 * MFA off: requireMfa letting requests through when it cannot read the session or count a guess,
 * the router issuing sessions it could not record, or a store error leaving as the framework's
 * 500. Every store failure must answer 503 mfa_unavailable as problem+json (fail closed, never
 * open), and the log line must name the failure without any secret, code or token.
 */
import request from 'supertest';
import { STATE_METHODS, type StateMethod } from '../flakyStateStore';
import { totpCode } from '../otp';
import { SoftAuthenticator } from '../softAuthenticator';
import { enrollTotp, expectNoSecrets, expectProblem, nextTotp, useApps } from './lib/harness';
import { ORIGIN, WEBAUTHN } from './lib/webauthn';
import type { AdapterAppFactory } from './types';

const ALL = STATE_METHODS;

export function describeFailClosed(makeApp: AdapterAppFactory): void {
  describe('requireMfa when a store fails', () => {
    const start = useApps(makeApp);

    test('a valid session gets 503 mfa_unavailable, never the handler; logged without the token', async () => {
      const h = await start();
      const { sessionToken, secret } = await enrollTotp(h, 'alice');
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);

      h.state.failing = new Set(ALL);
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken);
      expectProblem(res, 503, 'mfa_unavailable');
      expect(res.body.ok).toBeUndefined();
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(h.logs.error).toEqual([expect.stringContaining('ECONNREFUSED')]);
      expectNoSecrets(h, [sessionToken, secret]);

      h.state.failing.clear();
      await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken).expect(200);
    });

    test('the step-up route and the method route fail closed too', async () => {
      const h = await start();
      const { sessionToken } = await enrollTotp(h, 'alice');
      h.state.failing = new Set<StateMethod>(['get', 'getMany']);
      expectProblem(await request(h.app).post('/sensitive').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 503, 'mfa_unavailable');
      expectProblem(await request(h.app).get('/hwk-only').set('X-Test-User', 'alice').set('X-Session-Token', sessionToken), 503, 'mfa_unavailable');
    });

    test('an inline code whose session cannot be recorded: 503 and no X-Session-Token; the code is not logged', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      h.state.failing = new Set<StateMethod>(['set']);
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', code);
      expectProblem(res, 503, 'mfa_unavailable');
      expect(res.headers['x-session-token']).toBeUndefined();
      expect(h.logs.error).toHaveLength(1);
      expectNoSecrets(h, [code, secret]);
    });

    test('a throttle counter that cannot be counted fails closed, not open', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      h.state.failing = new Set<StateMethod>(['incrementUnless']);
      const res = await request(h.app).get('/protected').set('X-Test-User', 'alice').set('X-MFA-Token', nextTotp(h, secret));
      expectProblem(res, 503, 'mfa_unavailable');
    });

    test('a failing factor store fails closed as well', async () => {
      const h = await start();
      await enrollTotp(h, 'alice');
      jest.spyOn(h.factors, 'listFactors').mockRejectedValue(new Error('connection terminated unexpectedly'));
      expectProblem(await request(h.app).get('/protected').set('X-Test-User', 'alice'), 503, 'mfa_unavailable');
      expect(h.logs.error).toEqual([expect.stringContaining('connection terminated unexpectedly')]);
    });
  });

  describe('the router when the state store fails', () => {
    const start = useApps(makeApp);

    test('every route that needs the state store answers 503 mfa_unavailable; nothing is logged with a secret, nothing changes', async () => {
      const h = await start();
      const { sessionToken, secret, recoveryCodes, factorId } = await enrollTotp(h, 'alice');
      const code = totpCode(secret, h.clock, { offsetSteps: 1 });
      h.state.failing = new Set(ALL);
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
      for (const line of h.logs.error) expect(line).toMatch(/failed: .*ECONNREFUSED/);
      expectNoSecrets(h, [sessionToken, secret, code, ...recoveryCodes]);

      // Nothing changed while the store was down: the factor and the codes are still there.
      h.state.failing.clear();
      const status = await as(request(h.app).get('/mfa')).expect(200);
      expect(status.body).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10 });
    });

    test('the WebAuthn routes fail closed as well', async () => {
      const h = await start({ mfa: { webauthn: WEBAUTHN } });
      const key = new SoftAuthenticator({ origin: ORIGIN });
      const post = (path: string) => request(h.app).post(`/mfa/webauthn${path}`).set('X-Test-User', 'alice');
      const created = await post('/registration/options').expect(200);
      const registered = await post('/registration')
        .send({ response: key.register(created.body) })
        .expect(201);
      const requested = await post('/authentication/options').expect(200);

      h.state.failing = new Set(ALL);
      expectProblem(await post('/registration/options').set('X-Session-Token', registered.body.session.sessionToken), 503, 'mfa_unavailable');
      expectProblem(await post('/authentication/options'), 503, 'mfa_unavailable');
      expectProblem(await post('/authentication').send({ response: key.authenticate(requested.body) }), 503, 'mfa_unavailable');
    });

    test('a verification whose session cannot be stored is 503, and the code is spent (no second try with it)', async () => {
      const h = await start();
      const { secret } = await enrollTotp(h, 'alice');
      const code = nextTotp(h, secret);
      h.state.failing = new Set<StateMethod>(['set']);
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }), 503, 'mfa_unavailable');
      h.state.failing.clear();
      expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice').send({ code }), 401, 'mfa_invalid_code');
    });
  });
}
