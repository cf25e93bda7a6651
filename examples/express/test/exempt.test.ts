// Threat (both ways): a service account, which has no person to hold an authenticator, is
// locked out of the API; or the exemption leaks to people. Only svc-reports is exempt.
import request from 'supertest';
import { demo, expectProblem, login } from './helpers';

describe('the exempt service user', () => {
  const { app, errors } = demo();

  test('svc-reports passes requireMfa without any factor; req.mfa says exempt', async () => {
    const token = await login(app, 'svc-reports');
    const res = await request(app).get('/api/profile').auth(token, { type: 'bearer' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: 'svc-reports' }, mfa: { userId: 'svc-reports', exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null } });
  });

  test('svc-reports passes the step-up route too', async () => {
    const token = await login(app, 'svc-reports');
    const res = await request(app).post('/api/transfers').auth(token, { type: 'bearer' }).send({ amount: 99.99, to: 'payroll' });
    expect(res.status).toBe(201);
    expect(res.body.transfer).toMatchObject({ from: 'svc-reports', to: 'payroll', amount: 99.99 });
  });

  test('the status says exempt and not required', async () => {
    const token = await login(app, 'svc-reports');
    const res = await request(app).get('/mfa').auth(token, { type: 'bearer' });
    expect(res.body).toMatchObject({ userId: 'svc-reports', required: false, exempt: true, enrolled: false });
  });

  test.each(['alice', 'bob', 'carol'])('%s is not exempt', async (username) => {
    const token = await login(app, username);
    expectProblem(await request(app).get('/api/profile').auth(token, { type: 'bearer' }), 403, 'mfa_enrollment_required');
  });

  afterAll(() => expect(errors).toEqual([]));
});
