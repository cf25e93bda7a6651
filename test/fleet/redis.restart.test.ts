/**
 * Threat: a Redis that comes back empty (restarted without persistence, or replaced) and takes
 * something durable with it, lets a session it no longer holds through, or answers 500. Redis holds
 * only state: once it is back, sessions have ended (401 `mfa_required`: users prove again), pending
 * enrollments are gone, and so are the counters and locks (a lock lost this way is lost: the locked
 * user's codes work again at once), while every factor and recovery code in PostgreSQL is as it was.
 */
import { systemClock } from '@mfakit/core';
import { totpCode, wrongCode } from '@mfakit/testing';
import { type Answer, useOwnFleet, withFleetServices } from './harness';

withFleetServices(() => {
  const fleet = useOwnFleet();

  /** What PostgreSQL holds, row for row (the last proof of each user aside: proving again writes it). */
  const durable = () =>
    Promise.all([
      fleet.database.query('SELECT * FROM mfakit_factors ORDER BY user_id, id'),
      fleet.database.query('SELECT * FROM mfakit_recovery_sets ORDER BY user_id'),
      fleet.database.query('SELECT * FROM mfakit_recovery_codes ORDER BY user_id, position'),
      fleet.database.query('SELECT user_id, exemption FROM mfakit_users ORDER BY user_id'),
    ]);

  /** Polls until Redis answers the instance again (ioredis reconnects by itself); 503 until then. */
  async function servesAgain(send: () => Promise<Answer>): Promise<Answer> {
    let answer = await send();
    for (let tries = 0; answer.status === 503 && tries < 100; tries++) {
      expect(answer.body.code).toBe('mfa_unavailable');
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await send();
    }
    return answer;
  }

  test('Redis restarted empty: sessions, pending enrollments and locks are gone, PostgreSQL is untouched', async () => {
    // Alice is signed in with a session; Bob locked himself out; Carol has an enrollment pending.
    const alice = { token: await fleet.demo.login('alice') };
    const aliceEnrolled = await fleet.demo.enrollTotp(alice.token);
    expect((await fleet.demo.send('GET', '/api/profile', { token: alice.token, session: aliceEnrolled.session })).status).toBe(200);

    const bobToken = await fleet.demo.login('bob');
    const bob = await fleet.demo.enrollTotp(bobToken);
    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 3; attempt++) failures.push((await fleet.demo.send('POST', '/mfa/verify', { token: bobToken, body: { code: wrongCode(bob.secret, systemClock) } })).body.code);
    expect(failures).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);

    const carolToken = await fleet.demo.login('carol');
    const pending = (await fleet.demo.send('POST', '/mfa/totp', { token: carolToken })).body as { factorId: string; secret: string };

    const before = await durable();
    await fleet.redis.restartEmpty();

    const profile = await servesAgain(() => fleet.demo.send('GET', '/api/profile', { token: alice.token, session: aliceEnrolled.session }));
    expect(profile.status).toBe(401);
    expect(profile.body.code).toBe('mfa_required'); // the session is gone with the data, never let through
    expect(await durable()).toEqual(before);
    const status = await fleet.demo.send('GET', '/mfa', { token: alice.token });
    expect(status.body).toMatchObject({ enrolled: true, factors: [expect.objectContaining({ id: aliceEnrolled.factorId })], recoveryCodesRemaining: 10 });

    // Alice proves again with her app: her factor is all she needs, and the new session works.
    const verified = await fleet.demo.send('POST', '/mfa/verify', { token: alice.token, body: { code: totpCode(aliceEnrolled.secret, systemClock, { offsetSteps: 1 }) } });
    expect(verified.status).toBe(200);
    expect((await fleet.demo.send('GET', '/api/profile', { token: alice.token, session: verified.body.sessionToken as string })).status).toBe(200);

    // Bob's lock was state, and went with it: a right code works at once (documented, not prevented).
    expect((await fleet.demo.send('POST', '/mfa/verify', { token: bobToken, body: { code: totpCode(bob.secret, systemClock, { offsetSteps: 1 }) } })).status).toBe(200);

    // Carol's pending enrollment went too: she starts again.
    const confirmed = await fleet.demo.send('POST', `/mfa/totp/${pending.factorId}/confirm`, { token: carolToken, body: { code: totpCode(pending.secret, systemClock) } });
    expect(confirmed.status).toBe(404);
    expect(confirmed.body.code).toBe('enrollment_not_found');
    expect(fleet.demo.running).toBe(true);
  }, 60_000);
});
