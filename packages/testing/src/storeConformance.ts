import { randomUUID } from 'node:crypto';
import type { Exemption, FactorStore, OobFactorRecord, OtpFactorRecord, StateStore, WebAuthnFactorRecord } from '@mfakit/core/store';

/** What the conformance suite needs of a store implementation. */
export interface StoreHarness {
  factors: FactorStore;
  state: StateStore;
  /** Moves the store's notion of time forward (a fake clock, or waiting for a real TTL). */
  advance(ms: number): Promise<void>;
  close?(): Promise<void>;
}

const RACERS = 20;

function otpFactor(userId: string, overrides: Partial<OtpFactorRecord> = {}): OtpFactorRecord {
  return {
    id: `fac_${randomUUID()}`,
    userId,
    kind: 'hotp',
    label: 'Token',
    createdAt: 1_700_000_000_000,
    secret: 'v1:k1:iv:ciphertext',
    algorithm: 'sha1',
    digits: 6,
    period: 30,
    counter: 0,
    ...overrides,
  };
}

function webauthnFactor(userId: string, overrides: Partial<WebAuthnFactorRecord> = {}): WebAuthnFactorRecord {
  return {
    id: `fac_${randomUUID()}`,
    userId,
    kind: 'webauthn',
    label: 'Security key',
    createdAt: 1_700_000_000_000,
    credentialId: randomUUID(),
    publicKey: 'pQECAyYgASFYIA',
    counter: 7,
    transports: ['usb', 'nfc'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '00000000-0000-0000-0000-000000000000',
    ...overrides,
  };
}

function oobFactor(userId: string): OobFactorRecord {
  return {
    id: `fac_${randomUUID()}`,
    userId,
    kind: 'oob',
    channel: 'sms',
    label: 'Phone',
    createdAt: 1_700_000_000_000,
    secret: 'v1:k1:iv:destination',
    hint: '+*********4567',
    counter: 0,
  };
}

function exemption(overrides: Partial<Exemption> = {}): Exemption {
  return { reason: 'Lost phone, ticket 4711', expiresAt: 1_700_086_400_000, grantedBy: 'admin-1', grantedAt: 1_700_000_000_000, ...overrides };
}

async function race<T>(run: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: RACERS }, run));
}

/**
 * The contract every FactorStore and StateStore must meet, atomicity under concurrency included.
 * Each test uses fresh keys and user ids, so a shared server needs no cleaning between runs.
 *
 * @example
 * describeStoreConformance('memory', async () => {
 *   const clock = new FakeClock();
 *   const store = new MemoryStore({ clock });
 *   return { factors: store, state: store, advance: async (ms) => clock.advance(ms) };
 * });
 */
export function describeStoreConformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`store conformance: ${name}`, () => {
    let h: StoreHarness;
    let key: (label: string) => string;
    let user: () => string;

    beforeEach(async () => {
      h = await makeHarness();
      const run = randomUUID();
      key = (label) => `conformance:{${run}}:${label}`;
      user = () => `user-${randomUUID()}`;
    });
    afterEach(async () => {
      await h.close?.();
    });

    describe('StateStore', () => {
      test('get answers null for a missing key and the value after set', async () => {
        expect(await h.state.get(key('a'))).toBeNull();
        await h.state.set(key('a'), 'one', 60_000);
        await h.state.set(key('a'), 'two', 60_000);
        expect(await h.state.get(key('a'))).toBe('two');
      });

      test('getMany answers the values in the order of the keys, null for a missing key', async () => {
        await h.state.set(key('a'), 'one', 60_000);
        await h.state.set(key('c'), 'three', 60_000);
        expect(await h.state.getMany([key('c'), key('b'), key('a')])).toEqual(['three', null, 'one']);
        expect(await h.state.getMany([key('a'), key('a')])).toEqual(['one', 'one']);
        expect(await h.state.getMany([key('x')])).toEqual([null]);
      });

      test('getMany answers null for an expired key', async () => {
        await h.state.set(key('short'), 'gone', 1_000);
        await h.state.set(key('long'), 'kept', 60_000);
        await h.advance(1_500);
        expect(await h.state.getMany([key('short'), key('long')])).toEqual([null, 'kept']);
      });

      test('getMany of no keys answers an empty list', async () => {
        expect(await h.state.getMany([])).toEqual([]);
      });

      test('a value lapses after its time to live', async () => {
        await h.state.set(key('a'), 'one', 1_000);
        await h.advance(1_500);
        expect(await h.state.get(key('a'))).toBeNull();
      });

      test('delete removes a value', async () => {
        await h.state.set(key('a'), 'one', 60_000);
        await h.state.delete(key('a'));
        expect(await h.state.get(key('a'))).toBeNull();
      });

      test('setIfAbsent stores only once, and again after expiry', async () => {
        expect(await h.state.setIfAbsent(key('a'), 'first', 1_000)).toBe(true);
        expect(await h.state.setIfAbsent(key('a'), 'second', 1_000)).toBe(false);
        expect(await h.state.get(key('a'))).toBe('first');
        await h.advance(1_500);
        expect(await h.state.setIfAbsent(key('a'), 'third', 1_000)).toBe(true);
      });

      test(`setIfAbsent: of ${RACERS} racing callers exactly one wins`, async () => {
        const wins = await race(() => h.state.setIfAbsent(key('race'), 'x', 60_000));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });

      test('consume returns the value once', async () => {
        await h.state.set(key('a'), 'one', 60_000);
        expect(await h.state.consume(key('a'))).toBe('one');
        expect(await h.state.consume(key('a'))).toBeNull();
        expect(await h.state.get(key('a'))).toBeNull();
      });

      test(`consume: of ${RACERS} racing callers exactly one gets the value`, async () => {
        await h.state.set(key('race'), 'prize', 60_000);
        const got = await race(() => h.state.consume(key('race')));
        expect(got.filter((v) => v === 'prize')).toHaveLength(1);
      });

      test('increment counts from one and keeps the TTL set at creation', async () => {
        expect(await h.state.increment(key('n'), 2_000)).toBe(1);
        await h.advance(1_200);
        expect(await h.state.increment(key('n'), 2_000)).toBe(2);
        await h.advance(1_200); // 2.4 s after creation: gone, though touched 1.2 s ago
        expect(await h.state.increment(key('n'), 2_000)).toBe(1);
      });

      test(`increment: ${RACERS} racing callers get ${RACERS} distinct counts`, async () => {
        const counts = await race(() => h.state.increment(key('n'), 60_000));
        expect(new Set(counts).size).toBe(RACERS);
        expect(Math.max(...counts)).toBe(RACERS);
      });

      test('incrementUnless counts from one while no blocker exists', async () => {
        const blockers = [key('lock'), key('other')];
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBe(1);
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBe(2);
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBe(3);
        expect(await h.state.get(key('n'))).toBe('3');
      });

      test('incrementUnless answers null and counts nothing while any blocker exists', async () => {
        const blockers = [key('lock'), key('other'), key('third')];
        await h.state.set(key('lock'), 'locked', 60_000); // the first of several
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBeNull();
        expect(await h.state.get(key('n'))).toBeNull(); // not even created
        await h.state.delete(key('lock'));
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBe(1);
        await h.state.set(key('other'), 'locked', 60_000); // the second of several
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBeNull();
        expect(await h.state.get(key('n'))).toBe('1');
        await h.state.consume(key('other'));
        expect(await h.state.incrementUnless(key('n'), 60_000, blockers)).toBe(2);
      });

      test('incrementUnless: an expired blocker no longer blocks', async () => {
        await h.state.set(key('lock'), 'locked', 1_000);
        expect(await h.state.incrementUnless(key('n'), 60_000, [key('lock')])).toBeNull();
        await h.advance(1_500);
        expect(await h.state.incrementUnless(key('n'), 60_000, [key('lock')])).toBe(1);
      });

      test('incrementUnless keeps the TTL set at creation', async () => {
        expect(await h.state.incrementUnless(key('n'), 2_000, [key('lock')])).toBe(1);
        await h.advance(1_200);
        expect(await h.state.incrementUnless(key('n'), 2_000, [key('lock')])).toBe(2);
        await h.advance(1_200); // 2.4 s after creation: gone, though touched 1.2 s ago
        expect(await h.state.incrementUnless(key('n'), 2_000, [key('lock')])).toBe(1);
      });

      test(`incrementUnless: a blocker set amid ${RACERS * 3} racing calls stops the count, and every number answered was counted once`, async () => {
        const blockers = [key('other'), key('lock')];
        const count = () => h.state.incrementUnless(key('n'), 60_000, blockers);
        const before = Array.from({ length: RACERS }, count);
        const locking = h.state.set(key('lock'), 'locked', 60_000);
        const alongside = Array.from({ length: RACERS }, count); // racing the blocker: either answer
        await locking;
        const atLock = Number((await h.state.get(key('n'))) ?? 0);
        const after = await Promise.all(Array.from({ length: RACERS }, count)); // started once it was set
        const counted = (await Promise.all([...before, ...alongside])).filter((n) => n !== null).sort((a, b) => a - b);
        expect(after).toEqual(Array.from({ length: RACERS }, () => null));
        expect(counted).toEqual(Array.from({ length: counted.length }, (_, i) => i + 1));
        expect(Number((await h.state.get(key('n'))) ?? 0)).toBe(counted.length);
        expect(atLock).toBe(counted.length); // nothing counted after the blocker was set
      });

      test('incrementUnless with no blockers is increment', async () => {
        expect(await h.state.incrementUnless(key('n'), 2_000, [])).toBe(1);
        expect(await h.state.increment(key('n'), 2_000)).toBe(2);
        await h.advance(1_200);
        expect(await h.state.incrementUnless(key('n'), 2_000, [])).toBe(3);
        await h.advance(1_200); // 2.4 s after creation: gone, though touched 1.2 s ago
        expect(await h.state.incrementUnless(key('n'), 2_000, [])).toBe(1);
        const counts = await race(() => h.state.incrementUnless(key('race'), 60_000, []));
        expect(new Set(counts).size).toBe(RACERS);
        expect(Math.max(...(counts as number[]))).toBe(RACERS);
      });

      test('advance stores only a greater number', async () => {
        expect(await h.state.advance(key('step'), 10, 60_000)).toBe(true);
        expect(await h.state.advance(key('step'), 10, 60_000)).toBe(false);
        expect(await h.state.advance(key('step'), 9, 60_000)).toBe(false);
        expect(await h.state.advance(key('step'), 11, 60_000)).toBe(true);
        expect(await h.state.get(key('step'))).toBe('11');
      });

      test(`advance: of ${RACERS} racing callers with one value exactly one wins`, async () => {
        const wins = await race(() => h.state.advance(key('step'), 42, 60_000));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });

      test('advance: racing values leave the greatest stored', async () => {
        await Promise.all(Array.from({ length: RACERS }, (_, i) => h.state.advance(key('step'), i, 60_000)));
        expect(await h.state.get(key('step'))).toBe(String(RACERS - 1));
      });
    });

    describe('FactorStore', () => {
      test('creates, reads, lists and deletes factors per user', async () => {
        const alice = user();
        const bob = user();
        const factor = otpFactor(alice);
        await h.factors.createFactor(factor);
        await h.factors.createFactor(otpFactor(bob));
        expect(await h.factors.getFactor(alice, factor.id)).toEqual(factor);
        expect(await h.factors.getFactor(bob, factor.id)).toBeNull();
        expect((await h.factors.listFactors(alice)).map((f) => f.id)).toEqual([factor.id]);
        expect(await h.factors.deleteFactor(bob, factor.id)).toBe(false);
        expect(await h.factors.deleteFactor(alice, factor.id)).toBe(true);
        expect(await h.factors.listFactors(alice)).toEqual([]);
      });

      test('keeps a WebAuthn credential whole, and moves its signature counter atomically', async () => {
        const alice = user();
        const key = webauthnFactor(alice);
        await h.factors.createFactor(key);
        expect(await h.factors.getFactor(alice, key.id)).toEqual(key);
        const wins = await race(() => h.factors.compareAndSetCounter(alice, key.id, 7, 8));
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect((await h.factors.getFactor(alice, key.id))!.counter).toBe(8);
        expect(await h.factors.compareAndSetSecret(alice, key.id, 'anything', 'v1:k2:new')).toBe(false);
      });

      test('keeps an out-of-band factor whole, and swaps its encrypted destination', async () => {
        const alice = user();
        const phone = oobFactor(alice);
        await h.factors.createFactor(phone);
        expect(await h.factors.getFactor(alice, phone.id)).toEqual(phone);
        expect(await h.factors.compareAndSetSecret(alice, phone.id, 'v1:k0:other', 'v1:k2:new')).toBe(false);
        expect(await h.factors.compareAndSetSecret(alice, phone.id, phone.secret, 'v1:k2:new')).toBe(true);
        expect(await h.factors.getFactor(alice, phone.id)).toEqual({ ...phone, secret: 'v1:k2:new' });
      });

      test('records read back are copies', async () => {
        const alice = user();
        const factor = otpFactor(alice);
        await h.factors.createFactor(factor);
        const read = (await h.factors.getFactor(alice, factor.id))!;
        read.counter = 99;
        factor.counter = 98;
        expect((await h.factors.getFactor(alice, factor.id))!.counter).toBe(0);
      });

      test('allFactors yields the factors of every user', async () => {
        const made = [otpFactor(user()), otpFactor(user())];
        for (const f of made) await h.factors.createFactor(f);
        const seen: string[] = [];
        for await (const f of h.factors.allFactors()) seen.push(f.id);
        expect(seen).toEqual(expect.arrayContaining(made.map((f) => f.id)));
      });

      test('compareAndSetCounter moves the counter only from the expected value', async () => {
        const alice = user();
        const factor = otpFactor(alice, { counter: 5 });
        await h.factors.createFactor(factor);
        expect(await h.factors.compareAndSetCounter(alice, factor.id, 4, 9)).toBe(false);
        expect(await h.factors.compareAndSetCounter(alice, factor.id, 5, 7)).toBe(true);
        expect((await h.factors.getFactor(alice, factor.id))!.counter).toBe(7);
        expect(await h.factors.compareAndSetCounter(user(), factor.id, 7, 8)).toBe(false);
      });

      test(`compareAndSetCounter: of ${RACERS} racing callers exactly one wins`, async () => {
        const alice = user();
        const factor = otpFactor(alice);
        await h.factors.createFactor(factor);
        const wins = await race(() => h.factors.compareAndSetCounter(alice, factor.id, 0, 1));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });

      test('compareAndSetSecret swaps only the expected ciphertext', async () => {
        const alice = user();
        const factor = otpFactor(alice);
        await h.factors.createFactor(factor);
        expect(await h.factors.compareAndSetSecret(alice, factor.id, 'v1:k0:other', 'v1:k2:new')).toBe(false);
        expect(await h.factors.compareAndSetSecret(alice, factor.id, factor.secret, 'v1:k2:new')).toBe(true);
        expect(((await h.factors.getFactor(alice, factor.id)) as OtpFactorRecord).secret).toBe('v1:k2:new');
      });

      test('compareAndSetSecrets, where a store has it, swaps each secret of a batch only from its expected ciphertext', async () => {
        if (!h.factors.compareAndSetSecrets) return; // optional: key rotation then calls compareAndSetSecret per factor
        const alice = user();
        const bob = user();
        const totp = otpFactor(alice, { kind: 'totp' });
        const phone = oobFactor(alice);
        const key = webauthnFactor(alice);
        const changed = otpFactor(bob);
        for (const factor of [totp, phone, key, changed]) await h.factors.createFactor(factor);
        expect(await h.factors.compareAndSetSecrets([])).toBe(0);
        const swapped = await h.factors.compareAndSetSecrets([
          { userId: alice, factorId: totp.id, expected: totp.secret, next: 'v1:k2:totp' },
          { userId: alice, factorId: phone.id, expected: phone.secret, next: 'v1:k2:phone' },
          { userId: alice, factorId: key.id, expected: 'anything', next: 'v1:k2:key' }, // a credential has no secret
          { userId: bob, factorId: changed.id, expected: 'v1:k0:other', next: 'v1:k2:changed' }, // changed meanwhile
          { userId: alice, factorId: changed.id, expected: changed.secret, next: 'v1:k2:wrong-user' }, // another user's factor
          { userId: bob, factorId: 'fac_missing', expected: 'v1:k1:x', next: 'v1:k2:y' },
        ]);
        expect(swapped).toBe(2);
        expect(await h.factors.getFactor(alice, totp.id)).toEqual({ ...totp, secret: 'v1:k2:totp' });
        expect(await h.factors.getFactor(alice, phone.id)).toEqual({ ...phone, secret: 'v1:k2:phone' });
        expect(await h.factors.getFactor(alice, key.id)).toEqual(key);
        expect(await h.factors.getFactor(bob, changed.id)).toEqual(changed);
      });

      test(`compareAndSetSecrets: of ${RACERS} racing batches expecting one secret, exactly one swaps it`, async () => {
        if (!h.factors.compareAndSetSecrets) return;
        const alice = user();
        const factor = otpFactor(alice);
        await h.factors.createFactor(factor);
        const other = otpFactor(alice);
        await h.factors.createFactor(other);
        const counts = await race(() =>
          h.factors.compareAndSetSecrets!([
            { userId: alice, factorId: factor.id, expected: factor.secret, next: `v1:k2:${randomUUID()}` },
            { userId: alice, factorId: other.id, expected: other.secret, next: `v1:k2:${randomUUID()}` },
          ]),
        );
        expect(counts.reduce((sum, count) => sum + count, 0)).toBe(2);
        expect(counts.filter((count) => count > 0)).toHaveLength(1); // both swaps of one batch, none of the others
      });

      test('recovery codes: a new set replaces the old, each hash is consumed once', async () => {
        const alice = user();
        await h.factors.replaceRecoveryCodes(alice, { salt: 's1', hashes: ['h1', 'h2', 'h3'], createdAt: 1 });
        expect(await h.factors.consumeRecoveryCode(alice, 'h2')).toBe(true);
        expect(await h.factors.consumeRecoveryCode(alice, 'h2')).toBe(false);
        expect(await h.factors.consumeRecoveryCode(user(), 'h1')).toBe(false);
        expect((await h.factors.getRecoveryCodes(alice))!.hashes.sort()).toEqual(['h1', 'h3']);
        await h.factors.replaceRecoveryCodes(alice, { salt: 's2', hashes: ['n1'], createdAt: 2 });
        expect(await h.factors.consumeRecoveryCode(alice, 'h1')).toBe(false);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual({ salt: 's2', hashes: ['n1'], createdAt: 2 });
      });

      test(`consumeRecoveryCode: of ${RACERS} racing callers exactly one wins`, async () => {
        const alice = user();
        await h.factors.replaceRecoveryCodes(alice, { salt: 's', hashes: ['h1', 'h2'], createdAt: 1 });
        const wins = await race(() => h.factors.consumeRecoveryCode(alice, 'h1'));
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect((await h.factors.getRecoveryCodes(alice))!.hashes).toEqual(['h2']);
      });

      test('deleteUser removes every factor and the recovery codes', async () => {
        const alice = user();
        await h.factors.createFactor(otpFactor(alice));
        await h.factors.replaceRecoveryCodes(alice, { salt: 's', hashes: ['h'], createdAt: 1 });
        await h.factors.deleteUser(alice);
        expect(await h.factors.listFactors(alice)).toEqual([]);
        expect(await h.factors.getRecoveryCodes(alice)).toBeNull();
      });

      test('getUser answers null for a user nothing was recorded for', async () => {
        expect(await h.factors.getUser(user())).toBeNull();
      });

      test('setExemption sets, replaces and lifts, answering whether one was there before', async () => {
        const alice = user();
        const first = exemption();
        const second = exemption({ reason: 'Travelling, ticket 4712', expiresAt: 1_700_172_800_000 });
        expect(await h.factors.setExemption(alice, first)).toBe(false);
        expect(await h.factors.getUser(alice)).toEqual({ userId: alice, exemption: first, lastProof: null });
        expect(await h.factors.setExemption(alice, second)).toBe(true);
        expect((await h.factors.getUser(alice))!.exemption).toEqual(second);
        expect(await h.factors.setExemption(alice, null)).toBe(true);
        expect(await h.factors.getUser(alice)).toEqual({ userId: alice, exemption: null, lastProof: null });
        expect(await h.factors.setExemption(alice, null)).toBe(false);
        expect(await h.factors.getUser(user())).toBeNull(); // other users untouched
      });

      test('setExemption: lifting an exemption nobody set answers false', async () => {
        const alice = user();
        expect(await h.factors.setExemption(alice, null)).toBe(false);
        expect(await h.factors.setExemption(alice, exemption())).toBe(false);
      });

      test(`setExemption: of ${RACERS} racing first exemptions exactly one finds none before`, async () => {
        const alice = user();
        const answers = await race(() => h.factors.setExemption(alice, exemption()));
        expect(answers.filter((had) => !had)).toHaveLength(1);
      });

      test('recordProof replaces the last proof and keeps the exemption', async () => {
        const alice = user();
        await h.factors.recordProof(alice, { at: 1_700_000_000_000, ip: '203.0.113.7', userAgent: 'Firefox' });
        expect(await h.factors.getUser(alice)).toEqual({
          userId: alice,
          exemption: null,
          lastProof: { at: 1_700_000_000_000, ip: '203.0.113.7', userAgent: 'Firefox' },
        });
        await h.factors.setExemption(alice, exemption());
        await h.factors.recordProof(alice, { at: 1_700_000_060_000 });
        const read = (await h.factors.getUser(alice))!;
        expect(read.lastProof).toEqual({ at: 1_700_000_060_000 });
        expect(read.lastProof).not.toHaveProperty('ip');
        expect(read.exemption).toEqual(exemption());
      });

      test('allUsers yields the record of every user', async () => {
        const exempt = [user(), user()];
        const proven = [user(), user(), user()];
        for (const id of exempt) await h.factors.setExemption(id, exemption({ grantedBy: id }));
        for (const [i, id] of proven.entries()) await h.factors.recordProof(id, { at: 1_700_000_000_000 + i });
        const seen = new Map<string, unknown>();
        for await (const record of h.factors.allUsers()) {
          expect(seen.has(record.userId)).toBe(false);
          seen.set(record.userId, record);
        }
        for (const id of exempt) expect(seen.get(id)).toEqual({ userId: id, exemption: exemption({ grantedBy: id }), lastProof: null });
        for (const [i, id] of proven.entries()) expect(seen.get(id)).toEqual({ userId: id, exemption: null, lastProof: { at: 1_700_000_000_000 + i } });
      });

      test('user records read back are copies', async () => {
        const alice = user();
        const granted = exemption();
        const proof = { at: 1_700_000_000_000, ip: '203.0.113.7' };
        await h.factors.setExemption(alice, granted);
        await h.factors.recordProof(alice, proof);
        granted.reason = 'changed by the caller';
        proof.ip = '198.51.100.1';
        const read = (await h.factors.getUser(alice))!;
        read.exemption!.expiresAt = 0;
        read.lastProof!.at = 0;
        for await (const record of h.factors.allUsers()) if (record.userId === alice) record.exemption!.reason = 'changed';
        expect(await h.factors.getUser(alice)).toEqual({ userId: alice, exemption: exemption(), lastProof: { at: 1_700_000_000_000, ip: '203.0.113.7' } });
      });

      test('createFactor refuses a WebAuthn credential id that a factor of any user holds; the id is free again once that factor is gone', async () => {
        const alice = user();
        const mallory = user();
        const key = webauthnFactor(alice);
        expect(await h.factors.createFactor(key)).toBe(true);
        expect(await h.factors.createFactor(webauthnFactor(alice, { credentialId: key.credentialId }))).toBe(false);
        expect(await h.factors.createFactor(webauthnFactor(mallory, { credentialId: key.credentialId }))).toBe(false);
        expect(await h.factors.listFactors(alice)).toEqual([key]);
        expect(await h.factors.listFactors(mallory)).toEqual([]);
        expect(await h.factors.createFactor(otpFactor(alice))).toBe(true); // other kinds have no credential id
        expect(await h.factors.createFactor(webauthnFactor(mallory))).toBe(true);
        expect(await h.factors.deleteFactor(alice, key.id)).toBe(true);
        const again = webauthnFactor(mallory, { credentialId: key.credentialId });
        expect(await h.factors.createFactor(again)).toBe(true);
        await h.factors.deleteUser(mallory);
        expect(await h.factors.createFactor(webauthnFactor(alice, { credentialId: key.credentialId }))).toBe(true);
      });

      test(`createFactor: of ${RACERS} racing registrations of one credential id, by one user or several, exactly one is stored`, async () => {
        const credentialId = randomUUID();
        const users = Array.from({ length: RACERS }, (_, i) => (i % 2 === 0 ? user() : `shared-${credentialId}`));
        const stored = await Promise.all(users.map((id) => h.factors.createFactor(webauthnFactor(id, { credentialId }))));
        expect(stored.filter(Boolean)).toHaveLength(1);
        let copies = 0;
        for await (const f of h.factors.allFactors()) if (f.kind === 'webauthn' && f.credentialId === credentialId) copies += 1;
        expect(copies).toBe(1);
      });

      test('setFactorDisabled disables and enables a WebAuthn credential, answering whether it changed; a disabled one keeps its counter', async () => {
        const alice = user();
        const key = webauthnFactor(alice);
        const token = otpFactor(alice);
        await h.factors.createFactor(key);
        await h.factors.createFactor(token);
        expect(await h.factors.setFactorDisabled(alice, key.id, false)).toBe(false);
        expect(await h.factors.setFactorDisabled(alice, key.id, true)).toBe(true);
        expect(await h.factors.setFactorDisabled(alice, key.id, true)).toBe(false);
        expect(await h.factors.getFactor(alice, key.id)).toEqual({ ...key, disabled: true });
        expect((await h.factors.listFactors(alice)).find((f) => f.id === key.id)).toEqual({ ...key, disabled: true });
        expect(await h.factors.compareAndSetCounter(alice, key.id, 7, 8)).toBe(false);
        expect(await h.factors.setFactorDisabled(alice, key.id, false)).toBe(true);
        expect(await h.factors.getFactor(alice, key.id)).toEqual(key); // no `disabled` field when enabled
        expect(await h.factors.compareAndSetCounter(alice, key.id, 7, 8)).toBe(true);
        // Only a WebAuthn credential of this user.
        expect(await h.factors.setFactorDisabled(alice, token.id, true)).toBe(false);
        expect(await h.factors.setFactorDisabled(user(), key.id, true)).toBe(false);
        expect(await h.factors.getFactor(alice, token.id)).toEqual(token);
      });

      test(`setFactorDisabled: of ${RACERS} racing callers exactly one disables the credential`, async () => {
        const alice = user();
        const key = webauthnFactor(alice);
        await h.factors.createFactor(key);
        const changed = await race(() => h.factors.setFactorDisabled(alice, key.id, true));
        expect(changed.filter(Boolean)).toHaveLength(1);
      });

      test('a disabled credential is created and read back as such', async () => {
        const alice = user();
        const key = webauthnFactor(alice, { disabled: true });
        await h.factors.createFactor(key);
        expect(await h.factors.getFactor(alice, key.id)).toEqual(key);
        const seen = [];
        for await (const f of h.factors.allFactors()) if (f.id === key.id) seen.push(f);
        expect(seen).toEqual([key]);
      });

      test('compareAndSetRecoveryCodes creates a set only where none is, and replaces only the set with the expected salt', async () => {
        const alice = user();
        expect(await h.factors.compareAndSetRecoveryCodes(alice, 's0', { salt: 's1', hashes: ['h1'], createdAt: 1 })).toBe(false);
        expect(await h.factors.getRecoveryCodes(alice)).toBeNull();
        expect(await h.factors.compareAndSetRecoveryCodes(alice, null, { salt: 's1', hashes: ['h1', 'h2'], createdAt: 1 })).toBe(true);
        expect(await h.factors.compareAndSetRecoveryCodes(alice, null, { salt: 's2', hashes: ['x'], createdAt: 2 })).toBe(false);
        expect(await h.factors.compareAndSetRecoveryCodes(alice, 's0', { salt: 's2', hashes: ['x'], createdAt: 2 })).toBe(false);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual({ salt: 's1', hashes: ['h1', 'h2'], createdAt: 1 });
        expect(await h.factors.consumeRecoveryCode(alice, 'h1')).toBe(true);
        expect(await h.factors.compareAndSetRecoveryCodes(alice, 's1', { salt: 's3', hashes: ['n1', 'n2', 'n3'], createdAt: 3 })).toBe(true);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual({ salt: 's3', hashes: ['n1', 'n2', 'n3'], createdAt: 3 });
        expect(await h.factors.consumeRecoveryCode(alice, 'h2')).toBe(false); // the old set is void
      });

      test(`compareAndSetRecoveryCodes: of ${RACERS} racing first sets, or replacements of one set, exactly one lands, whole`, async () => {
        const alice = user();
        const set = (i: number) => ({ salt: `s${i}`, hashes: [`h${i}a`, `h${i}b`], createdAt: i });
        const first = await Promise.all(Array.from({ length: RACERS }, (_, i) => h.factors.compareAndSetRecoveryCodes(alice, null, set(i))));
        expect(first.filter(Boolean)).toHaveLength(1);
        const winner = first.indexOf(true);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual(set(winner));
        const next = await Promise.all(Array.from({ length: RACERS }, (_, i) => h.factors.compareAndSetRecoveryCodes(alice, `s${winner}`, set(100 + i))));
        expect(next.filter(Boolean)).toHaveLength(1);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual(set(100 + next.indexOf(true)));
      });

      test('createFactorWithRecoveryCodes stores the factor and the set together; a set not the one expected is left, the factor stored', async () => {
        const alice = user();
        const set = (salt: string) => ({ salt, hashes: [`${salt}a`, `${salt}b`], createdAt: 1 });
        const first = otpFactor(alice);
        expect(await h.factors.createFactorWithRecoveryCodes(first, null, set('s1'))).toEqual({ created: true, recoveryCodes: true });
        expect(await h.factors.getFactor(alice, first.id)).toEqual(first);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual(set('s1'));
        const second = otpFactor(alice);
        expect(await h.factors.createFactorWithRecoveryCodes(second, null, set('s2'))).toEqual({ created: true, recoveryCodes: false });
        expect(await h.factors.listFactors(alice)).toHaveLength(2);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual(set('s1'));
        expect(await h.factors.createFactorWithRecoveryCodes(otpFactor(alice), 's1', set('s3'))).toEqual({ created: true, recoveryCodes: true });
        expect(await h.factors.getRecoveryCodes(alice)).toEqual(set('s3'));
      });

      test('createFactorWithRecoveryCodes: a WebAuthn credential id held already stores neither the factor nor the set', async () => {
        const [alice, mallory] = [user(), user()];
        const key = webauthnFactor(alice);
        await h.factors.createFactor(key);
        const copy = webauthnFactor(mallory, { credentialId: key.credentialId });
        expect(await h.factors.createFactorWithRecoveryCodes(copy, null, { salt: 's1', hashes: ['h1'], createdAt: 1 })).toEqual({ created: false, recoveryCodes: false });
        expect(await h.factors.listFactors(mallory)).toEqual([]);
        expect(await h.factors.getRecoveryCodes(mallory)).toBeNull();
      });

      test(`createFactorWithRecoveryCodes: of ${RACERS} racing first factors every one is stored, exactly one set lands`, async () => {
        const alice = user();
        const factors = Array.from({ length: RACERS }, () => otpFactor(alice));
        const results = await Promise.all(factors.map((f, i) => h.factors.createFactorWithRecoveryCodes(f, null, { salt: `s${i}`, hashes: [`h${i}`], createdAt: i })));
        expect(results.every((r) => r.created)).toBe(true);
        expect(results.filter((r) => r.recoveryCodes)).toHaveLength(1);
        const winner = results.findIndex((r) => r.recoveryCodes);
        expect(await h.factors.getRecoveryCodes(alice)).toEqual({ salt: `s${winner}`, hashes: [`h${winner}`], createdAt: winner });
        expect(await h.factors.listFactors(alice)).toHaveLength(RACERS);
      });

      test('deleteUser keeps the user record', async () => {
        const alice = user();
        await h.factors.createFactor(otpFactor(alice));
        await h.factors.setExemption(alice, exemption());
        await h.factors.recordProof(alice, { at: 1_700_000_000_000 });
        await h.factors.deleteUser(alice);
        expect(await h.factors.listFactors(alice)).toEqual([]);
        expect(await h.factors.getUser(alice)).toEqual({ userId: alice, exemption: exemption(), lastProof: { at: 1_700_000_000_000 } });
      });
    });
  });
}
