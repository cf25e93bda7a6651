/**
 * Proves that two standalone gateways sharing one Redis state and one PostgreSQL factor table act
 * as one, so that moving between them gains an attacker nothing: a factor and a session made on
 * one work on the other, a code spent on one (on /mfa/verify or inline) is refused on the other,
 * a lockout earned on one holds on the other, and a session ended on one is over on the other.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createGateway, devToken, type Gateway, type GatewayConfig, parseConfig } from '@mfakit/gateway';
import { PostgresFactorStore } from '@mfakit/postgres';
import { RedisStateStore } from '@mfakit/redis';
import { FakeClock, postgresAnswers, redisAnswers, totpCode, whenServices, wrongCode } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { gatewayYaml, type RawAnswer, raw, startUpstream } from '../../packages/gateway/test/helpers';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** This file's own corner of the shared servers: a Redis key prefix and a PostgreSQL schema, both removed afterwards. */
const PREFIX = `mfatest:gateway-fleet:${randomUUID()}:`;
const SCHEMA = `mfakit_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

/** One gateway of the fleet: its own Redis connection, its own pool, its own port. */
interface Instance {
  gateway: Gateway | undefined;
  port: number;
  redis: Redis;
  pool: Pool;
}

/** An enrolled user: the access token, the TOTP secret and the session the confirmation opened. */
interface Enrolled {
  token: string;
  secret: string;
  session: string;
}

const missing = [...(redisAnswers(REDIS_URL) ? [] : [`Redis (6.2+) at REDIS_URL=${REDIS_URL}`]), ...(postgresAnswers(DATABASE_URL) ? [] : [`PostgreSQL at DATABASE_URL=${DATABASE_URL}`])];

whenServices('the gateway fleet tests', missing, () => {
  const clock = new FakeClock();
  const encryptionKeys = [{ id: 'k1', key: randomBytes(32) }];
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let config: GatewayConfig;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;

  /**
   * Starts one gateway as a fleet member starts: its own clients on the shared Redis prefix and
   * PostgreSQL schema, migrating at start-up (concurrent migrations serialise on a lock).
   */
  async function startInstance(): Promise<Instance> {
    const redis = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
    const pool = new Pool({ connectionString: DATABASE_URL, max: 5 });
    const instance: Instance = { gateway: undefined, port: 0, redis, pool };
    instances.push(instance); // before anything can fail, so that afterAll closes the clients
    const factors = new PostgresFactorStore(pool, { schema: SCHEMA });
    await factors.migrate();
    const logger = { warn: () => undefined, error: (message: string) => console.error(message) };
    instance.gateway = await createGateway(config, { stores: { factors, state: new RedisStateStore(redis, { prefix: PREFIX }) }, logger, mfa: { clock, encryptionKeys } });
    await instance.gateway.app.listen({ host: '127.0.0.1', port: 0 });
    instance.port = (instance.gateway.app.server.address() as AddressInfo).port;
    return instance;
  }

  beforeAll(async () => {
    upstream = await startUpstream();
    config = parseConfig(gatewayYaml(upstream.url), '/tmp/gateway-fleet-test.yaml', {});
    [a, b] = await Promise.all([startInstance(), startInstance()]);
  }, 30_000);

  afterAll(async () => {
    try {
      await Promise.all(instances.map((instance) => instance.gateway?.close()));
      const [first] = instances;
      if (first) {
        await clearKeys(first.redis);
        await first.pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      }
    } finally {
      await Promise.all(instances.flatMap((instance) => [instance.redis.quit(), instance.pool.end()]));
      await upstream?.close();
    }
  }, 30_000);

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const post = (instance: Instance, path: string, token: string, body: unknown) =>
    raw(instance.port, path, { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const problem = (answer: RawAnswer) => ({ status: answer.status, code: answer.status < 300 ? undefined : answer.json().code });

  /** Enrolls a TOTP factor for `user` through `instance`'s /mfa routes, as a client would. */
  async function enroll(instance: Instance, user: string): Promise<Enrolled> {
    const token = await devToken(config.tokens, { sub: user });
    const started = await post(instance, '/mfa/totp', token, {});
    expect(started.status).toBe(201);
    const { factorId, secret } = started.json() as { factorId: string; secret: string };
    const confirmed = await post(instance, `/mfa/totp/${factorId}/confirm`, token, { code: totpCode(secret, clock) });
    expect(confirmed.status).toBe(200);
    return { token, secret, session: (confirmed.json().session as { sessionToken: string }).sessionToken };
  }

  /** A GET of an `mfa` route through `instance`; answers the gateway's answer and what the upstream saw of it. */
  async function orders(instance: Instance, headers: Record<string, string>) {
    const before = upstream.seen.length;
    const answer = await raw(instance.port, '/api/orders', { headers });
    return { answer, reached: upstream.seen[before] };
  }

  /** Deletes every key under this file's prefix. */
  async function clearKeys(redis: Redis): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }

  test('a factor enrolled and a session opened through A are accepted through B', async () => {
    const alice = await enroll(a, 'alice');

    // Both live in the shared servers, not in A's memory.
    const { rows } = await b.pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}"."mfakit_factors"`);
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
    expect(await b.redis.keys(`${PREFIX}session:*`)).not.toHaveLength(0);

    const status = await raw(b.port, '/mfa', { headers: bearer(alice.token) });
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ factors: [expect.objectContaining({ kind: 'totp' })] });

    const { answer, reached } = await orders(b, { ...bearer(alice.token), 'X-Session-Token': alice.session });
    expect(answer.status).toBe(200);
    expect(reached?.headers['x-mfa-user']).toBe('alice');
    expect(reached?.headers['x-mfa-amr']).toBe('otp');

    const without = await orders(b, bearer(alice.token));
    expect(problem(without.answer)).toEqual({ status: 401, code: 'mfa_required' });
    expect(without.reached).toBeUndefined();
  });

  test('a code spent through A on /mfa/verify is refused when replayed through B', async () => {
    const bob = await enroll(a, 'bob');
    clock.advanceSeconds(30); // a step the confirmation did not spend
    const code = totpCode(bob.secret, clock);

    expect((await post(a, '/mfa/verify', bob.token, { code })).status).toBe(200);
    expect(problem(await post(b, '/mfa/verify', bob.token, { code }))).toEqual({ status: 401, code: 'mfa_invalid_code' });

    // B refuses the spent code, not every code: the next step's passes there.
    clock.advanceSeconds(30);
    expect((await post(b, '/mfa/verify', bob.token, { code: totpCode(bob.secret, clock) })).status).toBe(200);
  });

  test('an inline X-MFA-Token code spent through A is refused when replayed through B', async () => {
    const erin = await enroll(a, 'erin');
    clock.advanceSeconds(30);
    const headers = { ...bearer(erin.token), 'X-MFA-Token': totpCode(erin.secret, clock) };

    const spent = await orders(a, headers);
    expect(spent.answer.status).toBe(200);
    expect(spent.answer.headers['x-session-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(spent.reached?.headers['x-mfa-user']).toBe('erin');

    const replayed = await orders(b, headers);
    expect(problem(replayed.answer)).toEqual({ status: 401, code: 'mfa_invalid_code' });
    expect(replayed.reached).toBeUndefined();

    // The session the inline code opened on A is good on B.
    const session = String(spent.answer.headers['x-session-token']);
    expect((await orders(b, { ...bearer(erin.token), 'X-Session-Token': session })).answer.status).toBe(200);
  });

  test('a lockout earned through A holds through B, even for the right code', async () => {
    const carol = await enroll(a, 'carol');
    const wrong = wrongCode(carol.secret, clock);
    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 3; attempt++) failures.push(problem(await post(a, '/mfa/verify', carol.token, { code: wrong })).code);
    expect(failures).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']); // the third failure locks (the default limit)

    const right = totpCode(carol.secret, clock, { offsetSteps: 1 }); // unspent, inside the drift window
    const locked = await post(b, '/mfa/verify', carol.token, { code: right });
    expect(problem(locked)).toEqual({ status: 429, code: 'mfa_locked' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);

    const inline = await orders(b, { ...bearer(carol.token), 'X-MFA-Token': right });
    expect(problem(inline.answer)).toEqual({ status: 429, code: 'mfa_locked' });
    expect(inline.reached).toBeUndefined();
  });

  test('DELETE /mfa/session through A ends, on B, the session B opened', async () => {
    const dave = await enroll(b, 'dave');
    const headers = { ...bearer(dave.token), 'X-Session-Token': dave.session };
    expect((await orders(b, headers)).answer.status).toBe(200);

    const ended = await raw(a.port, '/mfa/session', { method: 'DELETE', headers });
    expect(ended.status).toBe(204);

    const after = await orders(b, headers);
    expect(problem(after.answer)).toEqual({ status: 401, code: 'mfa_required' });
    expect(after.reached).toBeUndefined();
  });
});
