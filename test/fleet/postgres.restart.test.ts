/**
 * Threat: a PostgreSQL restart that lets a request through unchecked, answers 500, leaves the
 * instances needing a restart of their own, or loses or doubles a factor, a recovery code or an
 * HOTP counter. Two demo instances (Express and Koa) share Redis and a PostgreSQL server of the
 * test's own (restarting the shared one would disturb the files running beside this one), while
 * clients verify and call protected routes throughout the restart.
 */
import { spawnSync } from 'node:child_process';
import { systemClock } from '@mfakit/core';
import { hotpCode, totpCode, whenServices } from '@mfakit/testing';
import { type Answer, DemoInstance, fleetEnv, OwnRedis } from './harness';
import { OwnPostgres, ownPostgresMissing } from './ownPostgres';

const redisMissing = spawnSync('redis-server', ['--version']).status === 0 ? [] : ['the redis-server binary (apt-get install redis-server)'];

/** Where the restart stands: requests are judged by the phase they were sent in. */
type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'back';

/** What the factor store holds, as an administrator would compare it before and after. */
interface Records {
  factors: { user_id: string; id: string; kind: string; label: string; created_at: string; counter: string; secret: string | null; data: unknown }[];
  sets: { user_id: string; salt: string; created_at: string }[];
  codes: { user_id: string; hash: string; position: number }[];
}

async function recordsOf(pg: OwnPostgres): Promise<Records> {
  const [factors, sets, codes] = await Promise.all([
    pg.query<Records['factors'][number]>('SELECT user_id, id, kind, label, created_at, counter, secret, data FROM mfakit_factors ORDER BY user_id, id'),
    pg.query<Records['sets'][number]>('SELECT user_id, salt, created_at FROM mfakit_recovery_sets ORDER BY user_id'),
    pg.query<Records['codes'][number]>('SELECT user_id, hash, position FROM mfakit_recovery_codes ORDER BY user_id, position'),
  ]);
  return { factors, sets, codes };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, looking every 20 ms; gives up after 10 s, naming what did not happen. */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 10_000) throw new Error(`${what} did not happen within 10 s`);
    await pause(20);
  }
}

whenServices('the PostgreSQL restart test', [...redisMissing, ...ownPostgresMissing()], () => {
  let redis: OwnRedis;
  let pg: OwnPostgres;
  let instances: [DemoInstance, DemoInstance];
  /** Alice proves with an HOTP token (its counter is the one to keep); Bob holds a session and recovery codes. */
  let alice: { token: string; secret: string; counter: number };
  let bob: { token: string; session: string; secret: string; recoveryCodes: string[] };

  beforeAll(async () => {
    [redis, pg] = await Promise.all([OwnRedis.start(), OwnPostgres.start()]);
    const env = fleetEnv(redis, pg);
    instances = await Promise.all([DemoInstance.start('express', env), DemoInstance.start('koa', env)]);
    const [a, b] = instances;
    const aliceToken = await a.login('alice');
    const started = await a.send('POST', '/mfa/hotp', { token: aliceToken });
    const { factorId, secret } = started.body as { factorId: string; secret: string };
    const confirmed = await b.send('POST', `/mfa/hotp/${factorId}/confirm`, { token: aliceToken, body: { code: hotpCode(secret, 0) } });
    if (confirmed.status !== 200) throw new Error(`HOTP enrollment failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
    alice = { token: aliceToken, secret, counter: 1 };
    const bobToken = await b.login('bob');
    bob = { token: bobToken, ...(await b.enrollTotp(bobToken)) };
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances?.map((instance) => instance.stop()) ?? []);
    await Promise.all([redis?.close(), pg?.close()]);
  }, 30_000);

  test('restarted under traffic: 503 while down, served again by the same processes, no record lost or doubled', async () => {
    const [a, b] = instances;
    const before = await recordsOf(pg);
    let phase = 'up' as Phase; // (not narrowed to 'up' inside the loop below)
    const wrong: string[] = []; // every answer that broke a rule, with its phase
    const rounds: Record<Phase, number> = { up: 0, stopping: 0, down: 0, starting: 0, back: 0 };
    let servedWhileDown = 0; // protected calls with a session answered 200 while PostgreSQL was down
    const hotp = { accepted: [] as number[], unsure: false };

    /** Records an answer that is not among `allowed` statuses; a 503 must be the problem `mfa_unavailable`. */
    const judge = (what: string, sentIn: Phase, answer: Answer, allowed: number[], code?: string) => {
      const unavailable = answer.status === 503 && answer.body.code === 'mfa_unavailable';
      const expected = allowed.includes(answer.status) && (answer.status === 503 ? unavailable : code === undefined || answer.body.code === code);
      if (!expected) wrong.push(`${what} sent while ${sentIn}: ${answer.status} ${JSON.stringify(answer.body)}`);
    };
    /** While PostgreSQL is down, what needs it answers 503; around the restart, either. */
    const needsPostgres = (sentIn: Phase, success: number) => (sentIn === 'down' ? [503] : sentIn === 'up' ? [success] : [success, 503]);

    /** The clients: until stopped, a round every 50 ms against the instances in turn. */
    let running = true;
    const traffic = (async () => {
      for (let round = 0; running; round++) {
        const sentIn = phase;
        const instance = instances[round % 2]!;
        const withSession = await instance.send('GET', '/api/profile', { token: bob.token, session: bob.session });
        judge('a protected call with a session', sentIn, withSession, sentIn === 'up' ? [200] : [200, 503]);
        if (sentIn === 'down' && withSession.status === 200) servedWhileDown += 1;
        judge('a protected call without a session', sentIn, await instance.send('GET', '/api/profile', { token: bob.token }), needsPostgres(sentIn, 401), 'mfa_required');
        judge('the status', sentIn, await instance.send('GET', '/mfa', { token: bob.token }), needsPostgres(sentIn, 200));
        if (round % 3 === 0) {
          const answer = await instance.send('POST', '/mfa/verify', { token: alice.token, body: { code: hotpCode(alice.secret, alice.counter) } });
          if (answer.status === 200) {
            hotp.accepted.push(alice.counter);
            alice.counter += 1;
            hotp.unsure = false;
          } else if (answer.status === 401 && hotp.unsure) {
            // A 503 came back, yet the counter had moved: the commit happened, its answer did not.
            alice.counter += 1;
            hotp.unsure = false;
          } else {
            hotp.unsure = answer.status === 503;
            judge('an HOTP verification', sentIn, answer, needsPostgres(sentIn, 200));
          }
        }
        rounds[sentIn] += 1;
        await pause(50);
      }
    })();
    await until('three rounds of requests', () => rounds.up >= 3);
    phase = 'stopping';
    await pg.stop();
    phase = 'down';
    const recoveryCode = bob.recoveryCodes[0]!;
    for (const instance of instances) {
      judge('a recovery code', 'down', await instance.send('POST', '/mfa/verify', { token: bob.token, body: { recoveryCode } }), [503]);
      judge('a TOTP code', 'down', await instance.send('POST', '/mfa/verify', { token: bob.token, body: { code: totpCode(bob.secret, systemClock, { offsetSteps: 1 }) } }), [503]);
    }
    await until('three rounds of requests while PostgreSQL is down', () => rounds.down >= 3);
    phase = 'starting';
    await pg.start();
    phase = 'back';

    // The pools connect again by themselves: each instance serves what needs PostgreSQL again.
    for (const instance of instances) {
      let answer = await instance.send('GET', '/mfa', { token: bob.token });
      for (let tries = 0; answer.status !== 200 && tries < 50; tries++) {
        judge('the status', 'back', answer, [200, 503]);
        await pause(100);
        answer = await instance.send('GET', '/mfa', { token: bob.token });
      }
      expect(answer.status).toBe(200);
    }
    const acceptedBefore = hotp.accepted.length;
    await until('two HOTP verifications after the restart', () => hotp.accepted.length >= acceptedBefore + 2); // on both instances in turn
    running = false;
    await traffic;

    expect(wrong).toEqual([]);
    expect(rounds.down).toBeGreaterThanOrEqual(3);
    expect(servedWhileDown).toBe(rounds.down); // a session lives in Redis: signed-in users worked on
    expect(instances.every((instance) => instance.running)).toBe(true); // nobody restarted them

    // The recovery code refused during the outage is still there, and works exactly once.
    const used = await b.send('POST', '/mfa/verify', { token: bob.token, body: { recoveryCode } });
    expect(used.status).toBe(200);
    expect(used.body.recoveryCodesRemaining).toBe(bob.recoveryCodes.length - 1);
    expect((await a.send('POST', '/mfa/verify', { token: bob.token, body: { recoveryCode } })).body.code).toBe('mfa_invalid_code');
    // The last HOTP code accepted stays spent: the counter did not go back.
    const last = hotp.accepted.at(-1)!;
    expect((await a.send('POST', '/mfa/verify', { token: alice.token, body: { code: hotpCode(alice.secret, last) } })).body.code).toBe('mfa_invalid_code');

    // Row for row, the store holds what it held, but for what the clients were told changed.
    const after = await recordsOf(pg);
    const moved = (row: Records['factors'][number]) => (row.kind === 'hotp' ? { ...row, counter: String(alice.counter) } : row);
    expect(after.factors).toEqual(before.factors.map(moved));
    expect(after.sets).toEqual(before.sets);
    expect(after.codes).toEqual(before.codes.filter((code) => !(code.user_id === 'bob' && code.position === 1)));
  }, 60_000);
});
