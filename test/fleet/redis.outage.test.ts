/**
 * Threat: a Redis outage that turns MFA off, hangs every request, or crashes the instance, or one
 * that needs a restart to recover from. With Redis stopped or frozen, a running demo instance must
 * answer 503 mfa_unavailable (never 200) to every MFA check and verification, promptly, and serve
 * again, with the sessions it had, once Redis is back.
 */
import { systemClock } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { type Answer, DemoInstance, fleetEnv, OwnDatabase, OwnRedis, withFleetServices } from './harness';

withFleetServices(() => {
  let redis: OwnRedis;
  let database: OwnDatabase;
  let demo: DemoInstance;
  let token: string;
  let session: string;
  let secret: string;

  beforeAll(async () => {
    [redis, database] = await Promise.all([OwnRedis.start(), OwnDatabase.create()]);
    demo = await DemoInstance.start('express', fleetEnv(redis, database));
    token = await demo.login('alice');
    ({ session, secret } = await demo.enrollTotp(token));
  }, 90_000);

  afterAll(async () => {
    await demo?.stop();
    await Promise.all([redis?.close(), database?.drop()]);
  }, 30_000);

  const profile = () => demo.send('GET', '/api/profile', { token, session });
  const verify = (offsetSteps: number) => demo.send('POST', '/mfa/verify', { token, body: { code: totpCode(secret, systemClock, { offsetSteps }) } });

  function expectUnavailable(answer: Answer): void {
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('mfa_unavailable');
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }

  /** Polls until the profile answers 200 again: ioredis reconnects in the background. */
  async function servesAgain(): Promise<Answer> {
    let answer = await profile();
    for (let tries = 0; answer.status !== 200 && tries < 100; tries++) {
      expect(answer.status).toBe(503); // while reconnecting: still closed, never anything else
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await profile();
    }
    return answer;
  }

  test('Redis stopped: checks and verifications answer 503, and the instance serves again when it returns', async () => {
    expect((await profile()).status).toBe(200);

    await redis.stop();
    for (let i = 0; i < 5; i++) expectUnavailable(await profile());
    expectUnavailable(await verify(1));
    expect(demo.running).toBe(true);

    await redis.start();
    const back = await servesAgain();
    expect(back.status).toBe(200);
    expect(back.body.user).toEqual({ id: 'alice' }); // the same session: nothing was lost
    expect((await verify(1)).status).toBe(200);
  });

  test('Redis frozen (connections open, no answers): 503 after the command timeout, not a hang', async () => {
    redis.pause();
    try {
      expectUnavailable(await profile());
      expectUnavailable(await verify(-1));
    } finally {
      redis.resume();
    }
    expect((await servesAgain()).status).toBe(200);
    expect(demo.running).toBe(true);
  });

  test('the outage is logged in words, without a secret or a stack trace', () => {
    expect(demo.output).toMatch(/Redis connection lost/);
    expect(demo.output).toMatch(/Redis is back/);
    expect(demo.output).not.toContain(secret);
    expect(demo.output).not.toContain(session);
    expect(demo.output).not.toMatch(/\n\s+at /);
  });
});
