// Threat: a first factor stored without its recovery codes, or a set swapped in for a factor that
// was never stored, when the process or the database fails between the two writes (an instance
// killed mid-confirmation, test/fleet/killed.confirm.test.ts). createFactorWithRecoveryCodes makes
// them one transaction: both or neither. (What every store answers is in the store conformance
// suite; these are the failures of PostgreSQL's own.)
import { randomUUID } from 'node:crypto';
import type { OtpFactorRecord, RecoveryCodeSet } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

const setOf = (salt: string, hashes = ['h1', 'h2']): RecoveryCodeSet => ({ salt, hashes, createdAt: 1 });

function otpFactor(userId: string): OtpFactorRecord {
  return { id: `fac_${randomUUID()}`, userId, kind: 'totp', label: 'App', createdAt: 1, secret: 'v1:k1:iv:body', algorithm: 'sha1', digits: 6, period: 30, counter: 0 };
}

describeOnTargets('a factor with its recovery codes', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let store: PostgresFactorStore;
  beforeAll(async () => {
    db = await target.open();
    store = new PostgresFactorStore(db.client, { schema: db.schema });
    await store.migrate();
  });
  afterAll(async () => {
    await db?.close();
  });

  const user = () => `user-${randomUUID()}`;

  test('a set that cannot be written takes the factor back with it', async () => {
    const alice = user();
    await store.replaceRecoveryCodes(alice, setOf('s0'));
    const factor = otpFactor(alice);
    await expect(store.createFactorWithRecoveryCodes(factor, 's0', setOf('s1', ['\u0000']))).rejects.toThrow(); // text may not hold NUL
    expect(await store.getFactor(alice, factor.id)).toBeNull();
    expect(await store.getRecoveryCodes(alice)).toEqual(setOf('s0'));
  });

  test('a factor id the user has already is rejected, and the set is left alone', async () => {
    const alice = user();
    const factor = otpFactor(alice);
    await store.createFactorWithRecoveryCodes(factor, null, setOf('s1'));
    await expect(store.createFactorWithRecoveryCodes(factor, 's1', setOf('s2'))).rejects.toThrow();
    expect(await store.getRecoveryCodes(alice)).toEqual(setOf('s1'));
    expect(await store.listFactors(alice)).toHaveLength(1);
  });
});
