import type { Clock } from '../clock';
import type { SessionTable, StoredSession } from './types';

// A session is one row of 104 bytes in large typed arrays, found through an open-addressing index
// of 32-bit slots: no object, string or Map entry of its own. At a million sessions that is about
// 115 bytes each (the JSON under a key in a Map took 425), nothing for the garbage collector to
// trace, and a check reads two places in memory: the index slot and the row.
//
// A row, in 8-byte words: 0 the end of its time to live (0 when free), 1 authTime, 2 createdAt,
// 3 expiresAt, 4 seenAt; then in 4-byte words: 10-17 the id (the SHA-256 digest), 18 how the
// methods and the factor id are kept and whether the row is in use; then in bytes: 76-101 the
// factor id, when it has the form the core gives them.
const ROW_WORDS = 13;
const TTL_END = 0;
const AUTH_TIME = 1;
const CREATED_AT = 2;
const EXPIRES_AT = 3;
const SEEN_AT = 4;
const ID_AT = 10; // in 4-byte words
const FORM_AT = 18; // in 4-byte words
const FACTOR_AT = 76; // in bytes

const ID_LENGTH = 32; // a SHA-256 digest, one character per byte
const ID_WORDS = 8;

/** The form word: the low 16 bits name the methods' shape (0: the methods are in `otherMethods`). */
const SHAPE_MASK = 0xffff;
const IN_USE = 1 << 16;
const FACTOR_ELSEWHERE = 1 << 17; // the factor id has another form: it is in `otherFactorIds`

/** A factor id as the core makes them (`fac_` and 128 random bits in base64url): its 26 characters are kept in the row. */
const FACTOR_ID = /^fac_[\w-]{22}$/;
const FACTOR_LENGTH = 26;

/** Rows come in chunks of 16,384 (1.6 MiB), the first grown by doubling from a few: a small store stays small, a large one has at most a chunk unused. */
const CHUNK_SHIFT = 14;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;
const FIRST_ROWS = 32;

/** An index slot: 0 when empty, else row + 1 in the low 24 bits and a byte of the id above (a first sieve). */
const ROW_BITS = 24;
const ROW_MASK = (1 << ROW_BITS) - 1;
const MAX_ROWS = ROW_MASK - 1; // 16,777,214 sessions, about what a Map holds (2^24 entries)
const MIN_INDEX = 64; // slots; the index is kept at most half full

/**
 * The {@link SessionTable} of the {@link MemoryStore}: sessions packed in rows of typed arrays.
 * The methods of a session whose proofs were all made at its `authTime` (one proof, or several at
 * once) are kept as the number of their list of names, shared by every such session; others, and
 * factor ids of another form than the core's, are kept beside the row. The user id is not kept:
 * the id is bound to it. Rows freed by `delete` or by the sweep are used again; the table does not
 * give memory back once it has grown.
 */
export class PackedSessionTable implements SessionTable {
  private readonly clock: Clock;
  /** Per chunk: the same memory as 8-byte floats, 4-byte integers and bytes. */
  private readonly floats: Float64Array[] = [];
  private readonly ints: Int32Array[] = [];
  private readonly bytes: Uint8Array[] = [];
  private index = new Uint32Array(MIN_INDEX);
  private rows = 0; // rows ever handed out: those below are in use or free
  private count = 0; // rows in use
  private readonly free: number[] = [];
  /** Lists of method names by shape number (0 stands for methods kept in `otherMethods`), and the number of each list. */
  private readonly shapes: (readonly string[])[] = [[]];
  private readonly shapeOf = new Map<string, number>();
  private readonly otherMethods = new Map<number, Readonly<Record<string, number>>>();
  private readonly otherFactorIds = new Map<number, string>();
  /** Revocations by user: sessions created up to `at` are void, except the one under `keep`, until `end`. */
  private readonly revoked = new Map<string, { at: number; keep: string | undefined; end: number }>();
  /** The id being looked up, as 8 words. */
  private readonly key = new Int32Array(ID_WORDS);

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Sessions held, live or expired and not yet swept. */
  get size(): number {
    return this.count;
  }

  set(id: string, session: StoredSession, ttlMs: number): void {
    if (!this.load(id)) throw new TypeError('a session id is 32 characters of 0 to 255 (a SHA-256 digest)');
    const ttlEnd = this.clock.now() + ttlMs;
    let row = this.find();
    if (row < 0) row = this.add();
    else this.release(row);
    const floats = this.floats[row >>> CHUNK_SHIFT]!;
    const ints = this.ints[row >>> CHUNK_SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS;
    floats[at + TTL_END] = ttlEnd;
    floats[at + AUTH_TIME] = session.authTime;
    floats[at + CREATED_AT] = session.createdAt;
    floats[at + EXPIRES_AT] = session.expiresAt;
    floats[at + SEEN_AT] = session.seenAt;
    const shape = this.shapeFor(session);
    if (shape === 0) this.otherMethods.set(row, Object.freeze({ ...session.methods }));
    const factorId = String(session.factorId);
    const bytes = this.bytes[row >>> CHUNK_SHIFT]!;
    const from = at * 8 + FACTOR_AT;
    let form = IN_USE | shape;
    if (FACTOR_ID.test(factorId)) for (let i = 0; i < FACTOR_LENGTH; i++) bytes[from + i] = factorId.charCodeAt(i);
    else {
      bytes.fill(0, from, from + FACTOR_LENGTH);
      this.otherFactorIds.set(row, factorId);
      form |= FACTOR_ELSEWHERE;
    }
    ints[at * 2 + FORM_AT] = form;
  }

  get(id: string, userId: string): StoredSession | null {
    if (!this.load(id)) return null;
    const row = this.find();
    if (row < 0) return null;
    const floats = this.floats[row >>> CHUNK_SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS;
    const now = this.clock.now();
    if (!(floats[at + TTL_END]! > now)) return null; // expired: the sweep removes it
    if (this.revoked.size > 0) {
      const mark = this.revoked.get(userId);
      if (mark !== undefined && mark.end > now && floats[at + CREATED_AT]! <= mark.at && id !== mark.keep) return null;
    }
    const form = this.ints[row >>> CHUNK_SHIFT]![at * 2 + FORM_AT]!;
    const authTime = floats[at + AUTH_TIME]!;
    return {
      userId,
      methods: (form & SHAPE_MASK) === 0 ? this.otherMethods.get(row)! : methodsAt(this.shapes[form & SHAPE_MASK]!, authTime),
      factorId: (form & FACTOR_ELSEWHERE) === 0 ? factorIdAt(this.bytes[row >>> CHUNK_SHIFT]!, at * 8 + FACTOR_AT) : this.otherFactorIds.get(row)!,
      authTime,
      createdAt: floats[at + CREATED_AT]!,
      expiresAt: floats[at + EXPIRES_AT]!,
      seenAt: floats[at + SEEN_AT]!,
    };
  }

  delete(id: string): void {
    if (!this.load(id)) return;
    const row = this.find();
    if (row >= 0) this.remove(row);
  }

  revoke(userId: string, at: number, keep: string | undefined, ttlMs: number): void {
    this.revoked.set(String(userId), { at, keep: keep === undefined ? undefined : String(keep), end: this.clock.now() + ttlMs });
  }

  /** Removes every session whose time to live is over, and every revocation past its own. */
  sweep(now = this.clock.now()): void {
    for (const [userId, mark] of this.revoked) if (mark.end <= now) this.revoked.delete(userId);
    for (let row = 0; row < this.rows; row++) {
      const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS;
      if ((this.ints[row >>> CHUNK_SHIFT]![at * 2 + FORM_AT]! & IN_USE) !== 0 && this.floats[row >>> CHUNK_SHIFT]![at + TTL_END]! <= now) this.remove(row);
    }
  }

  /** Reads an id into `key`; false when it is no id. */
  private load(id: string): boolean {
    if (typeof id !== 'string' || id.length !== ID_LENGTH) return false;
    for (let w = 0; w < ID_WORDS; w++) {
      const a = id.charCodeAt(w * 4);
      const b = id.charCodeAt(w * 4 + 1);
      const c = id.charCodeAt(w * 4 + 2);
      const d = id.charCodeAt(w * 4 + 3);
      if ((a | b | c | d) > 0xff) return false;
      this.key[w] = a | (b << 8) | (c << 16) | (d << 24);
    }
    return true;
  }

  /** The row of the id in `key`, or -1. */
  private find(): number {
    const key = this.key;
    const mask = this.index.length - 1;
    const sieve = (key[1]! & 0xff) << ROW_BITS;
    for (let slot = key[0]! & mask; ; slot = (slot + 1) & mask) {
      const entry = this.index[slot]!;
      if (entry === 0) return -1;
      if ((entry & ~ROW_MASK) === sieve && this.holds((entry & ROW_MASK) - 1)) return (entry & ROW_MASK) - 1;
    }
  }

  private holds(row: number): boolean {
    const ints = this.ints[row >>> CHUNK_SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS * 2 + ID_AT;
    const key = this.key;
    for (let w = 0; w < ID_WORDS; w++) if (ints[at + w] !== key[w]) return false;
    return true;
  }

  /** A new row for the id in `key`, in use and in the index. */
  private add(): number {
    if ((this.count + 1) * 2 > this.index.length) this.resize(this.index.length * 2);
    let row = this.free.pop();
    if (row === undefined) {
      if (this.rows >= MAX_ROWS) throw new RangeError(`the memory store holds at most ${MAX_ROWS} sessions`);
      row = this.rows++;
      this.ensureRow(row);
    }
    this.ints[row >>> CHUNK_SHIFT]!.set(this.key, (row & (CHUNK_ROWS - 1)) * ROW_WORDS * 2 + ID_AT);
    this.place(row);
    this.count++;
    return row;
  }

  /** Puts a row's id in the index, at the first empty slot from its own. */
  private place(row: number): void {
    const ints = this.ints[row >>> CHUNK_SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS * 2 + ID_AT;
    const mask = this.index.length - 1;
    let slot = ints[at]! & mask;
    while (this.index[slot] !== 0) slot = (slot + 1) & mask;
    this.index[slot] = (((ints[at + 1]! & 0xff) << ROW_BITS) | (row + 1)) >>> 0;
  }

  /** The index slot where a row's id would be found first. */
  private home(row: number): number {
    return this.ints[row >>> CHUNK_SHIFT]![(row & (CHUNK_ROWS - 1)) * ROW_WORDS * 2 + ID_AT]! & (this.index.length - 1);
  }

  /** Frees a row: out of the index (moving back the slots after it, so no search stops short), zeroed, kept for reuse. */
  private remove(row: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let hole = this.home(row);
    while ((index[hole]! & ROW_MASK) !== row + 1) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; index[slot] !== 0; slot = (slot + 1) & mask) {
      const home = this.home((index[slot]! & ROW_MASK) - 1);
      if (((slot - home) & mask) >= ((slot - hole) & mask)) {
        index[hole] = index[slot]!;
        hole = slot;
      }
    }
    index[hole] = 0;
    this.release(row);
    const at = (row & (CHUNK_ROWS - 1)) * ROW_WORDS;
    this.floats[row >>> CHUNK_SHIFT]!.fill(0, at, at + ROW_WORDS); // nothing of it stays readable
    this.free.push(row);
    this.count--;
  }

  /** Drops what a row keeps beside it. */
  private release(row: number): void {
    this.otherMethods.delete(row);
    this.otherFactorIds.delete(row);
  }

  /** Makes room for `row`: the first chunk grows by doubling, the others come whole. */
  private ensureRow(row: number): void {
    const chunk = row >>> CHUNK_SHIFT;
    const have = this.floats[chunk]?.length ?? 0;
    if ((row & (CHUNK_ROWS - 1)) * ROW_WORDS < have) return;
    const rows = chunk === 0 ? Math.min(CHUNK_ROWS, Math.max(FIRST_ROWS, (have / ROW_WORDS) * 2)) : CHUNK_ROWS;
    const floats = new Float64Array(rows * ROW_WORDS);
    if (have > 0) floats.set(this.floats[chunk]!);
    this.floats[chunk] = floats;
    this.ints[chunk] = new Int32Array(floats.buffer);
    this.bytes[chunk] = new Uint8Array(floats.buffer);
  }

  /** Builds the index again with `slots` slots. */
  private resize(slots: number): void {
    this.index = new Uint32Array(slots);
    for (let row = 0; row < this.rows; row++) {
      if ((this.ints[row >>> CHUNK_SHIFT]![(row & (CHUNK_ROWS - 1)) * ROW_WORDS * 2 + FORM_AT]! & IN_USE) !== 0) this.place(row);
    }
  }

  /** The shape number of a session's methods, or 0 when they must be kept beside the row (a proof made before `authTime`). */
  private shapeFor(session: StoredSession): number {
    const names = Object.keys(session.methods);
    for (const name of names) if (session.methods[name] !== session.authTime) return 0;
    const name = JSON.stringify(names);
    let shape = this.shapeOf.get(name);
    if (shape === undefined) {
      if (this.shapes.length > SHAPE_MASK) return 0;
      shape = this.shapes.length;
      this.shapes.push(Object.freeze(names));
      this.shapeOf.set(name, shape);
    }
    return shape;
  }
}

/** The factor id kept at `at`: one call that makes the string (a base64 decoding of packed bytes cost three times as much). */
function factorIdAt(b: Uint8Array, at: number): string {
  // biome-ignore format: one argument per character
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!,
    b[at + 13]!, b[at + 14]!, b[at + 15]!, b[at + 16]!, b[at + 17]!, b[at + 18]!, b[at + 19]!, b[at + 20]!, b[at + 21]!, b[at + 22]!, b[at + 23]!, b[at + 24]!, b[at + 25]!);
}

/** The methods of a session whose proofs were all made at `authTime`. */
function methodsAt(names: readonly string[], authTime: number): Record<string, number> {
  const methods: Record<string, number> = {};
  for (const name of names) methods[name] = authTime;
  return methods;
}
