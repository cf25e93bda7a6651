// Threat: a lost phone locks a person out for good, or a recovery code works more than once.
// Each of the ten codes opens one MFA session, once; the count of codes left goes down.
import request from 'supertest';
import { demo, type Enrolled, enrolledUser, expectProblem } from './helpers';

describe('verifying with a recovery code', () => {
  const { app, clock, errors } = demo();
  let carol: Enrolled;

  beforeAll(async () => {
    carol = await enrolledUser(app, clock, 'carol');
    await request(app).delete('/mfa/session').auth(carol.accessToken, { type: 'bearer' }).set('X-Session-Token', carol.sessionToken);
  });

  const verify = (body: object) => request(app).post('/mfa/verify').auth(carol.accessToken, { type: 'bearer' }).send(body);

  test('a recovery code opens a session and says how many are left', async () => {
    const res = await verify({ recoveryCode: carol.recoveryCodes[0] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ factorId: 'recovery', recoveryCodesRemaining: 9, amr: ['otp'] });
    const profile = await request(app).get('/api/profile').auth(carol.accessToken, { type: 'bearer' }).set('X-Session-Token', res.body.sessionToken);
    expect(profile.status).toBe(200);
    expect(profile.body.mfa).toMatchObject({ userId: 'carol', factorId: 'recovery' });
  });

  test('the same recovery code does not work twice', async () => {
    expectProblem(await verify({ recoveryCode: carol.recoveryCodes[0] }), 401, 'mfa_invalid_code');
  });

  test('a code typed in lower case without dashes is accepted', async () => {
    const typed = carol.recoveryCodes[1]!.toLowerCase().replace(/-/g, '');
    const res = await verify({ recoveryCode: typed });
    expect(res.status).toBe(200);
    expect(res.body.recoveryCodesRemaining).toBe(8);
  });

  test('the status counts the codes left and never shows them again', async () => {
    const res = await request(app).get('/mfa').auth(carol.accessToken, { type: 'bearer' });
    expect(res.body.recoveryCodesRemaining).toBe(8);
    for (const code of carol.recoveryCodes) expect(JSON.stringify(res.body)).not.toContain(code);
  });

  test("someone else's recovery code does not work for carol", async () => {
    const alice = await enrolledUser(app, clock, 'alice');
    expectProblem(await verify({ recoveryCode: alice.recoveryCodes[0] }), 401, 'mfa_invalid_code');
  });

  afterAll(() => expect(errors).toEqual([]));
});
