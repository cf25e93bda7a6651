// Threat: a key rotation, done in batches over many factors while the application serves, that
// overwrites a secret changed while it ran (a swap not conditional on what the row holds), skips
// or repeats factors across pages and batches, or leaves secrets under the old key. Over 1,260
// secrets (pages of 100, batches of 500) on PostgreSQL, and on a store without the batch method.
import { createMfa, MemoryStore, type Mfa } from '@mfakit/core';
import type { FactorRecord, FactorStore, OobFactorRecord, OtpFactorRecord } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { contextOf } from '../../core/src/createMfa';
import { oobSecretContext } from '../../core/src/oob/oob';
import { otpSecretContext } from '../../core/src/totp/otp';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

const K0 = { id: 'k0', key: Buffer.alloc(32, 9) }; // a key no longer in the ring
const K1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const K2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const USERS = 1000; // every fourth with a second TOTP factor, every hundredth with a phone: 1,260 secrets

const mfaOf = (factors: FactorStore, keys: (typeof K1)[]): Mfa => createMfa({ issuer: 'Acme', stores: { factors, state: new MemoryStore() }, encryptionKeys: keys });
const contextOfFactor = (f: OtpFactorRecord | OobFactorRecord) => (f.kind === 'oob' ? oobSecretContext : otpSecretContext)(f.userId, f.id);

/** The factors, their secrets encrypted under `keys`' first key: TOTP and phone factors, and a passkey that has no secret. */
async function seed(store: FactorStore, keys: (typeof K1)[]): Promise<number> {
  const ring = contextOf(mfaOf(store, keys)).keyRing;
  const factors: FactorRecord[] = [];
  for (let i = 0; i < USERS; i += 1) {
    const userId = `user-${String(i).padStart(4, '0')}`;
    const base = { userId, createdAt: 1_700_000_000_000 + i, counter: 0 };
    const seal = (id: string, plain: string, kind: 'otp' | 'oob') => ring.encrypt(plain, (kind === 'oob' ? oobSecretContext : otpSecretContext)(userId, id));
    const otp = (id: string): FactorRecord => ({ ...base, id, kind: 'totp', label: 'App', secret: seal(id, `JBSWY3DPEHPK3PXP${i}`, 'otp'), algorithm: 'sha1', digits: 6, period: 30 });
    factors.push(otp('fac_a'));
    if (i % 4 === 0) factors.push(otp('fac_b'));
    if (i % 100 === 0) factors.push({ ...base, id: 'fac_c', kind: 'oob', channel: 'sms', label: 'Phone', secret: seal('fac_c', `+1555000${i}`, 'oob'), hint: '+*******', counter: 0 });
  }
  const key = {
    ...{ userId: 'user-0001', createdAt: 1, counter: 0 },
    id: 'fac_k',
    kind: 'webauthn' as const,
    label: 'Key',
    credentialId: 'cred-1',
    publicKey: 'pQE',
    transports: [],
    deviceType: 'singleDevice' as const,
    backedUp: false,
    aaguid: '0',
  };
  for (const factor of [...factors, key]) await store.createFactor(factor);
  return factors.length;
}

async function secretsOf(store: FactorStore): Promise<(OtpFactorRecord | OobFactorRecord)[]> {
  const all: (OtpFactorRecord | OobFactorRecord)[] = [];
  for await (const factor of store.allFactors()) if (factor.kind !== 'webauthn') all.push(factor);
  return all;
}

/** The store, with `during` run once right before its first batch of swaps is written (or its first single swap). */
function changedDuringRotation(store: FactorStore, during: () => Promise<void>): FactorStore {
  let done = false;
  const first = async () => {
    if (!done) {
      done = true;
      await during();
    }
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'compareAndSetSecrets' || property === 'compareAndSetSecret') {
        return async (...args: unknown[]) => {
          await first();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

function describeRotation(title: string, open: () => Promise<{ store: FactorStore; close(): Promise<void> }>): void {
  describe(title, () => {
    let store: FactorStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    test('rotates every secret once, in batches, and leaves alone the one changed while it ran; a second run finishes it', async () => {
      const total = await seed(store, [K1]);
      expect(total).toBe(1260);
      // Another rotation (or a change) rewrites a secret of the first batch after this one read it, before it writes it.
      const [victim] = await secretsOf(store);
      const ring = contextOf(mfaOf(store, [K1])).keyRing;
      const meanwhile = ring.encrypt(ring.decrypt(victim!.secret, contextOfFactor(victim!)), contextOfFactor(victim!));
      const racing = changedDuringRotation(store, async () => {
        expect(await store.compareAndSetSecret(victim!.userId, victim!.id, victim!.secret, meanwhile)).toBe(true);
      });

      expect(await mfaOf(racing, [K2, K1]).admin.rotateKeys()).toEqual({ rotated: total - 1, current: 0, total, keyId: 'k2' });
      expect((await store.getFactor(victim!.userId, victim!.id)) as OtpFactorRecord).toMatchObject({ secret: meanwhile }); // its change kept
      expect(await mfaOf(store, [K2, K1]).admin.rotateKeys()).toEqual({ rotated: 1, current: total - 1, total, keyId: 'k2' });

      const k2 = contextOf(mfaOf(store, [K2])).keyRing;
      const after = await secretsOf(store);
      expect(new Set(after.map((f) => `${f.userId}/${f.id}`)).size).toBe(total);
      for (const factor of after) expect(k2.decrypt(factor.secret, contextOfFactor(factor))).toMatch(/^(JBSWY3DPEHPK3PXP|\+1555000)\d+$/);
    });

    test('stops at a secret under a key no longer in the ring, after the batches already sent are written', async () => {
      expect(await seed(store, [K1])).toBe(1260);
      const late = (await secretsOf(store))[1100]!; // in the third batch
      const underK0 = contextOf(mfaOf(store, [K0])).keyRing.encrypt('JBSWY3DPEHPK3PXP', contextOfFactor(late));
      expect(await store.compareAndSetSecret(late.userId, late.id, late.secret, underK0)).toBe(true);

      await expect(mfaOf(store, [K2, K1]).admin.rotateKeys()).rejects.toMatchObject({ code: 'secret_undecryptable' });
      const rotated = (await secretsOf(store)).filter((f) => f.secret.startsWith('v1:k2:')).length;
      expect(rotated).toBe(1000); // the first two batches, whole; nothing of the third
    });
  });
}

describeOnTargets('key rotation', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });
  let schemas = 0;
  describeRotation('on PostgresFactorStore (compareAndSetSecrets, pages of 100)', async () => {
    schemas += 1;
    const schema = `${db.schema}_${schemas}`; // a schema per test: the rotation reads every factor
    const store = new PostgresFactorStore(db.client, { schema, pageSize: 100 });
    await store.migrate();
    return { store, close: async () => void (await db.client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)) };
  });
});

describeRotation('key rotation on a store without compareAndSetSecrets (MemoryStore)', async () => {
  const store = new MemoryStore();
  return { store, close: async () => store.close() };
});
