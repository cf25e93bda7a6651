/**
 * Threat: a fleet whose instances do not see what the others did, so that an attacker spends the
 * same code twice by sending it to another instance, wins a single-use recovery code on several
 * instances at once, or escapes a lockout by moving to another instance; and, the other way round,
 * a session that works on one instance only. Two demo processes (Express and Koa, so the frameworks
 * are interchangeable too) share Redis and PostgreSQL, as the README's "Running a fleet" describes.
 */
import { systemClock } from '@mfakit/core';
import { totpCode, wrongCode } from '@mfakit/testing';
import { DemoInstance, fleetEnv, OwnDatabase, OwnRedis, withFleetServices } from './harness';

withFleetServices(() => {
  let redis: OwnRedis;
  let database: OwnDatabase;
  let a: DemoInstance;
  let b: DemoInstance;
  let aliceToken: string;
  let alice: { secret: string; session: string };

  beforeAll(async () => {
    [redis, database] = await Promise.all([OwnRedis.start(), OwnDatabase.create()]);
    const env = fleetEnv(redis, database);
    [a, b] = await Promise.all([DemoInstance.start('express', env), DemoInstance.start('koa', env)]);
    aliceToken = await a.login('alice');
    alice = await a.enrollTotp(aliceToken);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([redis?.close(), database?.drop()]);
  }, 30_000);

  test('an access token and an MFA session from one instance are accepted by the other', async () => {
    const [token, session] = [aliceToken, alice.session];
    const profile = await b.send('GET', '/api/profile', { token, session });
    expect(profile.status).toBe(200);
    expect(profile.body.user).toEqual({ id: 'alice' });

    await b.send('DELETE', '/mfa/session', { token, session });
    expect((await a.send('GET', '/api/profile', { token, session })).body.code).toBe('mfa_required');
  });

  test('a code used on one instance is refused on the other', async () => {
    // The next step's code: inside the drift window and not used by the enrollment's confirmation.
    const code = totpCode(alice.secret, systemClock, { offsetSteps: 1 });
    const token = await b.login('alice');

    expect((await a.send('POST', '/mfa/verify', { token, body: { code } })).status).toBe(200);
    const replayed = await b.send('POST', '/mfa/verify', { token, body: { code } });
    expect(replayed.status).toBe(401);
    expect(replayed.body.code).toBe('mfa_invalid_code');
  });

  test('20 concurrent uses of one recovery code, spread over both instances: exactly one succeeds', async () => {
    const token = await a.login('bob');
    const { recoveryCodes } = await b.enrollTotp(token);
    const recoveryCode = recoveryCodes[0]!;

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).send('POST', '/mfa/verify', { token, body: { recoveryCode } })));

    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    for (const refused of answers.filter((r) => r.status !== 200)) {
      expect([401, 429]).toContain(refused.status);
      expect(['mfa_invalid_code', 'mfa_locked']).toContain(refused.body.code);
    }
    expect((await a.send('GET', '/mfa', { token })).body.recoveryCodesRemaining).toBe(recoveryCodes.length - 1);
  });

  test('a lockout earned on one instance holds on the other, even for the right code', async () => {
    const token = await a.login('carol');
    const { secret } = await a.enrollTotp(token);
    const wrong = wrongCode(secret, systemClock);
    const failures = [];
    for (let attempt = 0; attempt < 3; attempt++) failures.push((await a.send('POST', '/mfa/verify', { token, body: { code: wrong } })).body.code);
    expect(failures).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']); // the third failure locks (the default limit)

    const locked = await b.send('POST', '/mfa/verify', { token, body: { code: totpCode(secret, systemClock, { offsetSteps: 1 }) } });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('mfa_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
