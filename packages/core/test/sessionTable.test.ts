// Threat: the memory store's session table, which packs sessions into rows found through its own
// index, answers a session that was ended, revoked or has expired, answers another row's record
// (a lost or misplaced index slot after rows were removed), or keeps something readable of a
// session it ended. Its answers are checked against a plain Map through many sets and deletes.
import { createHash } from 'node:crypto';
import { FakeClock } from '@mfakit/testing';
import { PackedSessionTable } from '../src/store/sessionTable';
import type { StoredSession } from '../src/store/types';
import { deepDump } from './helpers';

const idOf = (text: string) => createHash('sha256').update(text).digest('binary');
const HOUR = 3_600_000;

function session(clock: FakeClock, overrides: Partial<StoredSession> = {}): StoredSession {
  const now = clock.now();
  return { userId: 'alice', methods: { otp: now }, factorId: 'fac_AAAAAAAAAAAAAAAAAAAAAA', authTime: now, createdAt: now - 5, expiresAt: now + 12 * HOUR, seenAt: now, ...overrides };
}

test('answers a copy of what was stored, with the user id it is asked for', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  const stored = session(clock);
  table.set(idOf('a'), stored, HOUR);
  const got = table.get(idOf('a'), 'alice')!;
  expect(got).toEqual(stored);
  (got.methods as Record<string, number>).otp = 0; // a caller changing what it got
  expect(table.get(idOf('a'), 'alice')).toEqual(stored);
  expect(table.get(idOf('b'), 'alice')).toBeNull();
  expect(table.size).toBe(1);
});

test.each([
  ['methods proved at other times', { methods: { otp: 1_000, hwk: 2_000 }, authTime: 2_000 }],
  ['several methods proved at once', { methods: { hwk: 2_000, user: 2_000 }, authTime: 2_000 }],
  ['a factor id of another form', { factorId: 'my-own-factor-id' }],
  ['a factor id of the right length with other characters', { factorId: 'fac_AAAAAAAAAAAAAAAAAAAAA+' }],
  ['no methods', { methods: {} }],
])('keeps %s', (_name, overrides) => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  const stored = session(clock, overrides);
  table.set(idOf('a'), stored, HOUR);
  expect(table.get(idOf('a'), 'alice')).toEqual(stored);
  expect(Object.keys(table.get(idOf('a'), 'alice')!.methods)).toEqual(Object.keys(stored.methods));
  table.set(idOf('a'), session(clock), HOUR); // replaced by a plain one: nothing of the other stays beside it
  expect(table.get(idOf('a'), 'alice')).toEqual(session(clock));
});

test('a session lives for its time to live, and the sweep removes it', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  table.set(idOf('a'), session(clock), 1_000);
  clock.advance(999);
  expect(table.get(idOf('a'), 'alice')).not.toBeNull();
  clock.advance(1);
  expect(table.get(idOf('a'), 'alice')).toBeNull();
  expect(table.size).toBe(1);
  table.sweep();
  expect(table.size).toBe(0);
  table.set(idOf('a'), session(clock), 1_000); // set again: a new time to live
  expect(table.get(idOf('a'), 'alice')).not.toBeNull();
});

test('delete ends a session and leaves nothing of it readable', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  table.set(idOf('a'), session(clock, { factorId: 'fac_ZZZZZZZZZZZZZZZZZZZZZZ', authTime: 123_456_789 }), HOUR);
  table.set(idOf('b'), session(clock), HOUR);
  const idWord = String(Buffer.from(idOf('a'), 'latin1').readInt32LE(0));
  expect(deepDump(table)).toContain(idWord);
  table.delete(idOf('a'));
  table.delete(idOf('c')); // absent: nothing happens
  expect(table.get(idOf('a'), 'alice')).toBeNull();
  expect(table.get(idOf('b'), 'alice')).not.toBeNull();
  const dump = deepDump(table);
  expect(dump).not.toContain(idWord);
  expect(dump).not.toContain('123456789');
  const memory = (table as unknown as { bytes: Uint8Array[] }).bytes.map((bytes) => Buffer.from(bytes).toString('latin1')).join('');
  expect(memory).toContain('fac_AAAAAAAAAAAAAAAAAAAAAA'); // b's factor id: the walk reaches the rows
  expect(memory).not.toContain('ZZZZZZZZZZ');
});

test('a revocation voids the sessions created up to it, stored before or after, except the one kept, until it lapses', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  const at = clock.now();
  table.set(idOf('old'), session(clock, { createdAt: at - 1 }), HOUR);
  table.set(idOf('kept'), session(clock, { createdAt: at - 1 }), HOUR);
  table.set(idOf('bob'), session(clock, { userId: 'bob', createdAt: at - 1 }), HOUR);
  table.revoke('alice', at, idOf('kept'), 10 * HOUR);
  table.set(idOf('under way'), session(clock, { createdAt: at }), HOUR); // a proof that began before the revocation
  table.set(idOf('new'), session(clock, { createdAt: at + 1 }), HOUR);
  expect(table.get(idOf('old'), 'alice')).toBeNull();
  expect(table.get(idOf('under way'), 'alice')).toBeNull();
  expect(table.get(idOf('kept'), 'alice')).not.toBeNull();
  expect(table.get(idOf('new'), 'alice')).not.toBeNull();
  expect(table.get(idOf('bob'), 'bob')).not.toBeNull(); // another user's sessions stand
  table.revoke('alice', at + 1, undefined, 10 * HOUR); // a later one replaces it
  expect(table.get(idOf('kept'), 'alice')).toBeNull();
  expect(table.get(idOf('new'), 'alice')).toBeNull();
  clock.advance(10 * HOUR); // lapsed (the sessions, kept alive here by a new time to live, would have ended long before)
  table.set(idOf('old'), session(clock, { createdAt: at - 1 }), HOUR);
  expect(table.get(idOf('old'), 'alice')).not.toBeNull();
});

test('refuses ids that are not 32 characters of 0 to 255, and never answers for them', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  for (const id of ['', 'short', `${idOf('a')}x`, `${idOf('a').slice(0, 31)}\u0100`]) {
    expect(() => table.set(id, session(clock), HOUR)).toThrow(TypeError);
    expect(table.get(id, 'alice')).toBeNull();
    table.delete(id);
  }
  expect(table.size).toBe(0);
});

test('through many sets, deletes and expiries it answers what a Map would', () => {
  const clock = new FakeClock();
  const table = new PackedSessionTable(clock);
  const model = new Map<string, { session: StoredSession; end: number }>();
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const ids = Array.from({ length: 3_000 }, (_, i) => idOf(`token-${i}`));
  for (let step = 0; step < 40_000; step++) {
    const id = ids[random(ids.length)]!;
    const action = random(10);
    if (action < 6) {
      const stored = session(clock, { factorId: `fac_${String(step).padStart(22, '0')}`, seenAt: clock.now() + step });
      const ttl = 1 + random(50_000);
      table.set(id, stored, ttl);
      model.set(id, { session: stored, end: clock.now() + ttl });
    } else if (action < 9) {
      table.delete(id);
      model.delete(id);
    } else {
      clock.advance(random(2_000));
      if (random(20) === 0) {
        table.sweep();
        for (const [key, entry] of model) if (entry.end <= clock.now()) model.delete(key);
      }
    }
    if (step % 4_999 === 0) {
      for (const key of ids) {
        const entry = model.get(key);
        expect(table.get(key, 'alice')).toEqual(entry && entry.end > clock.now() ? entry.session : null);
      }
      expect(table.size).toBe(model.size);
    }
  }
});
