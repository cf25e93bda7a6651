// Threat: guessing codes online. Three wrong answers, of any factor, lock the account with a
// 429 and Retry-After; while locked even the right code and a recovery code are refused.
import { totpCode, wrongCode } from '@mfakit/testing';
import request from 'supertest';
import { demo, type Enrolled, enrolledUser, expectProblem } from './helpers';

describe('lockout after three wrong codes', () => {
  const { app, clock, errors } = demo();
  let bob: Enrolled;

  beforeAll(async () => {
    bob = await enrolledUser(app, clock, 'bob');
    clock.advanceSeconds(30);
  });

  const verify = (body: object) => request(app).post('/mfa/verify').auth(bob.accessToken, { type: 'bearer' }).send(body);

  test('two wrong codes are 401 mfa_invalid_code, the third is 429 mfa_locked with Retry-After', async () => {
    expectProblem(await verify({ code: wrongCode(bob.secret, clock) }), 401, 'mfa_invalid_code');
    expectProblem(await verify({ code: wrongCode(bob.secret, clock) }), 401, 'mfa_invalid_code');
    const locked = await verify({ code: wrongCode(bob.secret, clock) });
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30');
    expect(locked.headers['cache-control']).toBe('no-store');
    expect(locked.body.detail).toBe('Too many failed attempts; try again in 30 seconds.');
  });

  test('while locked, the right code, a recovery code and an inline code are all refused', async () => {
    expectProblem(await verify({ code: totpCode(bob.secret, clock) }), 429, 'mfa_locked');
    expectProblem(await verify({ recoveryCode: bob.recoveryCodes[0] }), 429, 'mfa_locked');
    const inline = await request(app).get('/api/profile').auth(bob.accessToken, { type: 'bearer' }).set('X-MFA-Token', totpCode(bob.secret, clock));
    expectProblem(inline, 429, 'mfa_locked');
  });

  test('the lock is per account: alice is not affected by bob\'s guesses', async () => {
    const alice = await enrolledUser(app, clock, 'alice');
    const res = await request(app).get('/api/profile').auth(alice.accessToken, { type: 'bearer' }).set('X-Session-Token', alice.sessionToken);
    expect(res.status).toBe(200);
  });

  test('after Retry-After seconds the right code works again', async () => {
    clock.advanceSeconds(30);
    const res = await verify({ code: totpCode(bob.secret, clock) });
    expect(res.status).toBe(200);
  });

  test('wrong recovery codes and wrong TOTP codes count towards the same lock', async () => {
    clock.advanceSeconds(30);
    expectProblem(await verify({ recoveryCode: 'AAAA-AAAA-AAAA-AAAA' }), 401, 'mfa_invalid_code');
    expectProblem(await verify({ code: wrongCode(bob.secret, clock) }), 401, 'mfa_invalid_code');
    const locked = await verify({ recoveryCode: 'BBBB-BBBB-BBBB-BBBB' });
    expectProblem(locked, 429, 'mfa_locked');
    expect(locked.headers['retry-after']).toBe('30'); // the success above reset the backoff
  });

  afterAll(() => expect(errors).toEqual([]));
});
