/**
 * Threat: a copy of the fleet's Redis or PostgreSQL (a backup, a replica, a MONITOR session, an
 * injection elsewhere in the application) yields a working TOTP secret or recovery code. Reads both
 * servers directly, as such an attacker would, after enrollments made through a running demo:
 * one confirmed (its secret in PostgreSQL) and one pending (its secret in Redis).
 */
import { normalizeRecoveryCode } from '@mfakit/core';
import { plaintextForms } from '@mfakit/testing';
import { useOwnFleet, withFleetServices } from './harness';

withFleetServices(() => {
  const fleet = useOwnFleet();

  /** Every key of the Redis server with its value, whatever its type. */
  async function redisDump(): Promise<string> {
    const client = fleet.redis.client();
    try {
      const entries: string[] = [];
      for (const key of await client.keys('*')) {
        const type = await client.type(key);
        const value = type === 'string' ? await client.get(key) : type === 'hash' ? JSON.stringify(await client.hgetall(key)) : (await client.dumpBuffer(key))?.toString('latin1');
        entries.push(`${key} ${type} ${value}`);
      }
      return entries.join('\n');
    } finally {
      client.disconnect();
    }
  }

  /** Every row of every table of the database's public schema. */
  async function postgresDump(): Promise<string> {
    const tables = await fleet.database.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    const rows = await Promise.all(tables.map(({ tablename }) => fleet.database.query(`SELECT * FROM "${tablename}"`)));
    return JSON.stringify(rows);
  }

  test('Redis and PostgreSQL hold no TOTP secret and no recovery code in plaintext', async () => {
    const aliceToken = await fleet.demo.login('alice');
    const alice = await fleet.demo.enrollTotp(aliceToken);
    const bobToken = await fleet.demo.login('bob');
    const pending = await fleet.demo.send('POST', '/mfa/totp', { token: bobToken });
    expect(pending.status).toBe(201);
    const pendingSecret = pending.body.secret as string;

    const [inRedis, inPostgres] = await Promise.all([redisDump(), postgresDump()]);

    // The dumps reach the records: alice's factor and recovery hashes, bob's pending enrollment, the session.
    expect(inPostgres).toContain(alice.factorId);
    expect(inPostgres).toMatch(/"v1:k1:/);
    expect(inRedis).toContain('{bob}');
    expect(inRedis).toMatch(/v1:k1:/);
    expect(alice.recoveryCodes).toHaveLength(10);

    const everything = `${inRedis}\n${inPostgres}\n${fleet.demo.output}`;
    for (const secret of [alice.secret, pendingSecret]) {
      for (const form of plaintextForms(secret)) expect(everything).not.toContain(form);
    }
    for (const code of alice.recoveryCodes) {
      for (const form of [code, normalizeRecoveryCode(code)!, code.toLowerCase()]) expect(everything).not.toContain(form);
    }
    expect(everything).not.toContain(alice.session); // sessions are kept as SHA-256 hashes
  });
});
