// Threat: a deploy that migrates twice, or several instances migrating at once at start-up,
// breaks the schema or fails to start. `migrate` must be safe to run again and concurrently.
import { migrate, MIGRATIONS, PostgresFactorStore } from '@mfakit/postgres';
import { Client } from 'pg';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

describeOnTargets('migrate', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  test('applies every version once, then nothing, and records each', async () => {
    const options = { schema: db.schema };
    const first = await migrate(db.client, options);
    expect(first).toEqual({ applied: MIGRATIONS.map((_, i) => i + 1), version: MIGRATIONS.length });
    const second = await migrate(db.client, options);
    expect(second).toEqual({ applied: [], version: MIGRATIONS.length });
    const { rows } = await db.client.query(`SELECT version FROM "${db.schema}"."mfakit_migrations" ORDER BY version`);
    expect((rows as { version: number | string }[]).map((row) => Number(row.version))).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  test('concurrent callers serialise on the lock: one migrates, the others find it done', async () => {
    const options = { schema: db.schema, tablePrefix: 'race_' };
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db.client, options)));
    expect(results.flatMap((r) => r.applied)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(results.every((r) => r.version === MIGRATIONS.length)).toBe(true);
  });

  test('a table prefix keeps two stores apart in one schema', async () => {
    const a = new PostgresFactorStore(db.client, { schema: db.schema, tablePrefix: 'a_' });
    const b = new PostgresFactorStore(db.client, { schema: db.schema, tablePrefix: 'b_' });
    await a.migrate();
    await b.migrate();
    await a.replaceRecoveryCodes('alice', { salt: 's', hashes: ['h'], createdAt: 1 });
    expect(await b.getRecoveryCodes('alice')).toBeNull();
    expect(await a.getRecoveryCodes('alice')).toEqual({ salt: 's', hashes: ['h'], createdAt: 1 });
  });

  test('bad names and clients fail at construction with invalid_option', () => {
    expect(() => new PostgresFactorStore(db.client, { tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => new PostgresFactorStore(db.client, { schema: 'Has Space' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => new PostgresFactorStore({} as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    // A single pg Client cannot run the store's concurrent transactions: refused before any query.
    expect(() => new PostgresFactorStore(new Client() as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});
