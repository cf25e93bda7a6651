// Threat: the rollout report read from PostgreSQL (scans a page at a time, rows matched to users as
// they stream by) telling another story than the records: a user missed or counted twice across a
// page boundary, a factor put on the wrong user, an exemption or a last proof lost. The same
// records in a MemoryStore (which yields them in the order they were stored) and in PostgreSQL
// (by user id, three rows a page) must give the same report, line for line.
import { createMfa, MemoryStore, type Mfa, type MfaUser, type Report } from '@mfakit/core';
import type { FactorRecord, FactorStore } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { FakeClock } from '@mfakit/testing';
import { type DatabaseTarget, describeOnTargets, type TestDatabase } from './helpers';

const DAY = 86_400_000;
const NOW = 1_760_000_000_000;

const totp = (userId: string, id: string): FactorRecord => ({
  id,
  userId,
  kind: 'totp',
  label: 'Authenticator app',
  createdAt: NOW - DAY,
  secret: `v1:k1:${userId}:${id}`,
  algorithm: 'sha1',
  digits: 6,
  period: 30,
  counter: 0,
});

/** What the stores hold, stored in this order (not sorted by user). */
const FACTORS: FactorRecord[] = [
  totp('mallory', 'fac_1'),
  totp('mallory', 'fac_2'), // not among the application's users, with two factors
  totp('alice', 'fac_1'),
  totp('alice', 'fac_2'),
  totp('alice', 'fac_3'), // three factors: across a page boundary
  { id: 'fac_1', userId: 'bob', kind: 'oob', channel: 'sms', label: 'Phone', createdAt: NOW - 2 * DAY, secret: 'v1:k1:phone', hint: '+*********4567', counter: 0 },
  {
    id: 'fac_2',
    userId: 'bob',
    kind: 'webauthn',
    label: 'Security key',
    createdAt: NOW - 3 * DAY,
    credentialId: 'cred-bob',
    publicKey: 'pQECAyYgASFYIA',
    counter: 4,
    transports: ['usb'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '00000000-0000-0000-0000-000000000000',
    disabled: true,
  },
  totp('Zed', 'fac_1'), // sorts before every lower-case id
  totp('only-in-store', 'fac_1'), // not among the application's users
  totp('user-07', 'fac_1'),
];

/** The application's users, unsorted, one of them twice (the last one counts). */
const USERS: MfaUser[] = [
  { id: 'dave', roles: ['staff'] },
  { id: 'alice', roles: ['staff'] },
  { id: 'svc-backup', roles: ['service'] },
  { id: 'bob', roles: ['contractor'] },
  { id: 'carol', roles: ['staff'] },
  { id: 'Zed', roles: ['staff'] },
  { id: 'user-07', roles: ['staff'] },
  { id: 'erin', roles: ['staff'] },
  { id: 'dave', roles: ['contractor'] },
  { id: '', roles: ['staff'] }, // no id: not a user
];

async function fill(store: FactorStore): Promise<void> {
  for (const factor of FACTORS) expect(await store.createFactor(factor)).toBe(true);
  await store.setExemption('carol', { reason: 'New phone on its way', expiresAt: NOW + DAY, grantedBy: 'admin-1', grantedAt: NOW - DAY });
  await store.setExemption('erin', { reason: 'Expired', expiresAt: NOW - 1, grantedBy: 'admin-1', grantedAt: NOW - 2 * DAY });
  await store.recordProof('alice', { at: NOW - 60_000, ip: '203.0.113.9', userAgent: 'Mozilla/5.0' });
  await store.recordProof('user-07', { at: NOW - 120_000 });
  await store.recordProof('only-a-record', { at: NOW - 180_000 }); // neither a factor nor an application user
}

function mfaOn(factors: FactorStore): Mfa {
  const clock = new FakeClock(NOW);
  return createMfa({
    issuer: 'Acme',
    clock,
    stores: { factors, state: new MemoryStore({ clock }) },
    encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 1) }],
    policy: { required: { roles: ['staff'] } },
    exempt: (user) => user.roles?.includes('service') === true,
  });
}

async function* paged(users: MfaUser[]): AsyncIterable<MfaUser> {
  for (const user of users) yield user;
}

describeOnTargets('the report', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let onPostgres: Mfa;
  let inMemory: Mfa;

  beforeAll(async () => {
    db = await target.open();
    const store = new PostgresFactorStore(db.client, { schema: db.schema, pageSize: 3 });
    await store.migrate();
    await fill(store);
    const memory = new MemoryStore();
    await fill(memory);
    onPostgres = mfaOn(store);
    inMemory = mfaOn(memory);
  });
  afterAll(async () => {
    await db?.close();
  });

  test('is the same on PostgreSQL as on the memory store, for a list, an async list and no list', async () => {
    for (const users of [() => USERS, () => paged(USERS), () => undefined]) {
      expect(await onPostgres.admin.report(users())).toEqual(await inMemory.admin.report(users()));
    }
  });

  test('has every user once, sorted by id, with their factors, exemption and last proof', async () => {
    const report: Report = await onPostgres.admin.report(USERS);
    expect(report.users.map((u) => u.userId)).toEqual(['Zed', 'alice', 'bob', 'carol', 'dave', 'erin', 'mallory', 'only-a-record', 'only-in-store', 'svc-backup', 'user-07']);
    const line = (id: string) => report.users.find((u) => u.userId === id)!;
    expect(line('alice')).toEqual({
      userId: 'alice',
      required: true,
      enrolled: true,
      exempt: false,
      exemption: null,
      factors: ['fac_1', 'fac_2', 'fac_3'].map((id) => ({ id, kind: 'totp', label: 'Authenticator app', createdAt: NOW - DAY })),
      lastVerifiedAt: NOW - 60_000,
    });
    expect(line('bob').factors).toEqual([
      { id: 'fac_1', kind: 'oob', label: 'Phone', createdAt: NOW - 2 * DAY, channel: 'sms', hint: '+*********4567' },
      { id: 'fac_2', kind: 'webauthn', label: 'Security key', createdAt: NOW - 3 * DAY, disabled: true },
    ]);
    expect(line('dave')).toMatchObject({ required: false, enrolled: false }); // the last of the two daves: a contractor
    expect(line('carol')).toMatchObject({ required: true, enrolled: false, exempt: true, exemption: { reason: 'New phone on its way' } });
    expect(line('erin')).toMatchObject({ required: true, enrolled: false, exempt: false, exemption: null });
    expect(line('only-a-record')).toMatchObject({ required: false, enrolled: false, lastVerifiedAt: NOW - 180_000 });
    expect(line('svc-backup')).toMatchObject({ required: false, exempt: true });
    expect(report.totals).toEqual({ users: 11, required: 5, enrolled: 6, exempt: 2, missing: 1 });
  });
});
