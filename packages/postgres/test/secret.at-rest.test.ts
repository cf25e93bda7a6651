// Threat: a copy of the database (backup, dump, SQL injection elsewhere) yields working TOTP
// secrets or recovery codes. Reads the tables directly, as an attacker with a dump would.
import { createMfa, MemoryStore, normalizeRecoveryCode } from '@mfakit/core';
import type { OtpFactorRecord } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { FakeClock, plaintextForms, totpCode } from '@mfakit/testing';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

describeOnTargets('at rest', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  test('the tables hold no plaintext TOTP secret and no plaintext recovery code', async () => {
    const clock = new FakeClock();
    const state = new MemoryStore({ clock });
    const factors = new PostgresFactorStore(db.client, { schema: db.schema });
    await factors.migrate();
    const mfa = createMfa({ issuer: 'Acme', clock, stores: { factors, state }, encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 1) }] });
    const user = { id: 'alice' };
    const started = await mfa.startEnrollment({ user }, 'totp');
    if (!started.ok) throw new Error(started.problem.code);
    const confirmed = await mfa.confirmEnrollment({ user }, 'totp', started.value.factorId, totpCode(started.value.secret, clock));
    if (!confirmed.ok) throw new Error(confirmed.problem.code);
    const recoveryCodes = confirmed.value.recoveryCodes ?? [];
    state.close();

    const dump: unknown[] = [];
    for (const table of ['mfakit_factors', 'mfakit_recovery_sets', 'mfakit_recovery_codes']) {
      dump.push((await db.client.query(`SELECT * FROM "${db.schema}"."${table}"`)).rows);
    }
    const text = JSON.stringify(dump);

    // the dump does reach the records
    const stored = (await factors.getFactor('alice', started.value.factorId)) as OtpFactorRecord;
    expect(text).toContain(stored.secret);
    expect(stored.secret).toMatch(/^v1:k1:/);
    expect(recoveryCodes.length).toBeGreaterThan(0);
    expect(text).toContain((await factors.getRecoveryCodes('alice'))!.hashes[0]);

    for (const form of plaintextForms(started.value.secret)) expect(text).not.toContain(form);
    for (const code of recoveryCodes) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(normalizeRecoveryCode(code)!);
    }
  });
});
