/**
 * Threat (both ways): a service account, which has no person to hold an authenticator, is locked
 * out of the API; or the exemption leaks to people. Only svc-reports is exempt.
 */
import type { DemoFactory } from './types';
import { bearer, expectProblem, login, useDemo } from './lib/harness';

export function describeExempt(makeDemo: DemoFactory): void {
  describe('the exempt service user', () => {
    const demo = useDemo(makeDemo);

    test('svc-reports passes requireMfa without any factor; the MFA state says exempt', async () => {
      const token = await login(demo, 'svc-reports');
      const res = await bearer(demo.http.get('/api/profile'), token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: { id: 'svc-reports' }, mfa: { userId: 'svc-reports', exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null } });
    });

    test('svc-reports passes the step-up route too', async () => {
      const token = await login(demo, 'svc-reports');
      const res = await bearer(demo.http.post('/api/transfers'), token).send({ amount: 99.99, to: 'payroll' });
      expect(res.status).toBe(201);
      expect(res.body.transfer).toMatchObject({ from: 'svc-reports', to: 'payroll', amount: 99.99 });
    });

    test('the status says exempt and not required', async () => {
      const token = await login(demo, 'svc-reports');
      const res = await bearer(demo.http.get('/mfa'), token);
      expect(res.body).toMatchObject({ userId: 'svc-reports', required: false, exempt: true, enrolled: false });
    });

    test.each(['alice', 'bob', 'carol'])('%s is not exempt', async (username) => {
      const token = await login(demo, username);
      expectProblem(await bearer(demo.http.get('/api/profile'), token), 403, 'mfa_enrollment_required');
    });
  });
}
