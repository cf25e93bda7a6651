// Threat: a database that already holds copies of a WebAuthn credential id (from the registration race that version 3 closes) fails to migrate, so no instance starts; or keeps the copies, so the id stays registered twice.
import { migrate, MIGRATIONS, PostgresFactorStore } from '@mfakit/postgres';
import type { WebAuthnFactorRecord } from '@mfakit/core/store';
import { tableNames } from '../src/lib/tables';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

const CREDENTIALS_UNIQUE = 3; // the version of the unique index

function passkey(userId: string, id: string, credentialId: string, createdAt: number): WebAuthnFactorRecord {
  return {
    id,
    userId,
    kind: 'webauthn',
    label: 'Passkey',
    createdAt,
    credentialId,
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
    transports: ['usb'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '00000000-0000-0000-0000-000000000000',
  };
}

describeOnTargets('migration 3', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  /** The tables at the version before `CREDENTIALS_UNIQUE`, as an older release left them. */
  async function tablesBefore(tablePrefix: string): Promise<void> {
    const t = tableNames({ schema: db.schema, tablePrefix });
    await db.client.query(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
    await db.client.query(`CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const [index, render] of MIGRATIONS.slice(0, CREDENTIALS_UNIQUE - 1).entries()) {
      for (const statement of render(t)
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean))
        await db.client.query(statement);
      await db.client.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [index + 1]);
    }
  }

  /** A factor row as the version before wrote it (no `disabled` column yet). */
  async function insertOld(tablePrefix: string, factor: WebAuthnFactorRecord): Promise<void> {
    const t = tableNames({ schema: db.schema, tablePrefix });
    const { credentialId, publicKey, transports, deviceType, backedUp, aaguid } = factor;
    await db.client.query(`INSERT INTO ${t.factors} (user_id, id, kind, label, created_at, counter, data) VALUES ($1, $2, 'webauthn', $3, $4, 0, $5::jsonb)`, [
      factor.userId,
      factor.id,
      factor.label,
      factor.createdAt,
      JSON.stringify({ credentialId, publicKey, transports, deviceType, backedUp, aaguid }),
    ]);
  }

  test('keeps the oldest factor of each credential id, removes the later copies, and then refuses new ones', async () => {
    await tablesBefore('copies_');
    const kept = [passkey('alice', 'fac_a1', 'cred-1', 1_000), passkey('bob', 'fac_b1', 'cred-2', 1_000), passkey('bob', 'fac_b3', 'cred-3', 5_000)];
    for (const factor of kept) await insertOld('copies_', factor);
    await insertOld('copies_', passkey('alice', 'fac_a2', 'cred-1', 2_000)); // a double submit
    await insertOld('copies_', passkey('mallory', 'fac_m1', 'cred-2', 3_000)); // a copied id
    await insertOld('copies_', passkey('mallory', 'fac_m2', 'cred-2', 3_000));

    expect(await migrate(db.client, { schema: db.schema, tablePrefix: 'copies_' })).toEqual({
      applied: MIGRATIONS.map((_, i) => i + 1).slice(CREDENTIALS_UNIQUE - 1),
      version: MIGRATIONS.length,
    });
    const store = new PostgresFactorStore(db.client, { schema: db.schema, tablePrefix: 'copies_' });
    const left = [];
    for await (const factor of store.allFactors()) left.push(factor);
    expect(left.sort((a, b) => a.id.localeCompare(b.id))).toEqual(kept);
    expect(await store.createFactor(passkey('mallory', 'fac_m3', 'cred-1', 6_000))).toBe(false);
    expect(await store.createFactor(passkey('mallory', 'fac_m4', 'cred-4', 6_000))).toBe(true);
  });
});
