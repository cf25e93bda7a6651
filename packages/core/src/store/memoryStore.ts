import { type Clock, systemClock } from '../clock';
import { copyData } from '../lib/copy';
import { safeEqual } from '../lib/random';
import { PackedSessionTable } from './sessionTable';
import type { Exemption, FactorRecord, FactorStore, FactorWithCodesStored, ProofContext, RecoveryCodeSet, SessionTable, StateStore, UserRecord } from './types';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000; // ended and expired entries go within a minute
const ENDED = Number.NEGATIVE_INFINITY; // the expiry of an ended entry: before any time

const CONS_MIN_LENGTH = 13; // V8 joins shorter strings into a new flat one straight away

/**
 * A flat copy of text made by concatenation, to keep. V8 holds the result of `a + b`, of template
 * literals and of JSON.stringify as a tree of pieces (a cons string) until something needs it in
 * one piece, and a Map that keeps it keeps the whole tree: a session's key and JSON took ~510
 * bytes of heap that way against 310 flat. A Latin-1 round trip makes one flat copy; text beyond
 * Latin-1 is compared and kept as it came, so nothing is ever altered.
 */
function compact(text: string): string {
  if (text.length < CONS_MIN_LENGTH) return text;
  const copy = Buffer.from(text, 'latin1').toString('latin1');
  return copy === text ? copy : text;
}

/**
 * Both store contracts in the memory of one process: the default, with no setup. Every method
 * runs without awaiting in between, so each is atomic on Node's single thread. Records are copied
 * in and out, so callers cannot change stored state by mutating what they hold.
 *
 * Not for a fleet: each process has its own state. Use `@mfakit/redis` and `@mfakit/postgres`.
 * Nothing persists: a restart loses every factor, recovery code and session (development and
 * tests only; with the default ephemeral key, factors would be unreadable after a restart anyway).
 *
 * @example
 * const store = new MemoryStore();
 * const mfa = createMfa({ issuer: 'Acme', stores: { factors: store, state: store } });
 */
export class MemoryStore implements FactorStore, StateStore {
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly factors = new Map<string, Map<string, FactorRecord>>();
  /** The credential id of every stored WebAuthn factor, of every user: each is held once. */
  private readonly credentialIds = new Set<string>();
  private readonly recovery = new Map<string, RecoveryCodeSet>();
  private readonly users = new Map<string, UserRecord>();
  private readonly table: PackedSessionTable;
  private readonly sweeper: NodeJS.Timeout;

  /**
   * The MFA sessions, packed in a table made for them (about 115 bytes a session, no object per
   * session): the core keeps its sessions here rather than as keys. Expired sessions go with the
   * sweep of expired entries.
   */
  get sessions(): SessionTable {
    return this.table;
  }

  /**
   * Starts an unref'd sweep of expired entries once a minute (it never keeps the process alive).
   * @param options - `clock`: the time that expiries are judged by (default {@link systemClock});
   *   give it the core's clock in tests.
   */
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
    this.table = new PackedSessionTable(this.clock);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Stops the background sweep of expired entries. */
  close(): void {
    clearInterval(this.sweeper);
  }

  // --- StateStore

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  /** Answers at once (no Promise): the check of a protected route then needs no await. */
  getMany(keys: string[]): (string | null)[] {
    const now = this.clock.now(); // one reading for all: every MFA check asks for two keys
    const values: (string | null)[] = [];
    for (const key of keys) values.push(this.live(key, now)?.value ?? null);
    return values;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, this.clock.now() + ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, value, this.clock.now() + ttlMs);
    return true;
  }

  async consume(key: string): Promise<string | null> {
    const value = this.live(key)?.value ?? null;
    this.end(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.end(key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return (await this.incrementUnless(key, ttlMs, []))!; // no blocker: always a count
  }

  /** Looks at the blockers and counts in one run with no await between: nothing can set a blocker in the middle. */
  async incrementUnless(key: string, ttlMs: number, unless: string[]): Promise<number | null> {
    const now = this.clock.now(); // one reading for all, as in getMany
    for (const blocker of unless) if (this.live(blocker, now)) return null;
    const entry = this.live(key, now);
    const count = entry ? Number(entry.value) + 1 : 1;
    this.put(key, String(count), entry?.expiresAt ?? now + ttlMs);
    return count;
  }

  async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry && Number(entry.value) >= value) return false;
    this.put(key, String(value), this.clock.now() + ttlMs);
    return true;
  }

  /** Sets an entry: a present one in place (a counter, a used step, a touched session), a new one with compact text. */
  private put(key: string, value: string, expiresAt: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(compact(key), { value: compact(value), expiresAt });
    } else {
      entry.value = compact(value);
      entry.expiresAt = expiresAt;
    }
  }

  /** The entry unless it is absent, ended or expired; the sweep removes the latter two. */
  private live(key: string, now = this.clock.now()): Entry | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  }

  /**
   * Ends an entry where it stands rather than removing it from the Map. V8's Map keeps a removed
   * entry's slot in its bucket's chain until the table is next rebuilt, so a key removed and set
   * again and again (a user's attempt counter, cleared on every success) lengthens the chain that
   * every miss on it walks: in a Map of 20,000 entries, a few thousand such cycles made each
   * operation cost 25 us instead of 0.2. An ended key is set again in place; the sweep removes it.
   */
  private end(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.value = ''; // nothing of a consumed code or challenge stays readable
      entry.expiresAt = ENDED;
    }
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    this.table.sweep(now);
  }

  // --- FactorStore

  /** Checks the credential id and stores, with no await between: of racing calls with one credential id, one stores it. */
  async createFactor(factor: FactorRecord): Promise<boolean> {
    if (this.factors.get(factor.userId)?.has(factor.id)) throw new Error(`user ${factor.userId} has a factor ${factor.id} already`);
    if (factor.kind === 'webauthn') {
      if (this.credentialIds.has(factor.credentialId)) return false;
      this.credentialIds.add(factor.credentialId);
    }
    const mine = this.factors.get(factor.userId) ?? new Map<string, FactorRecord>();
    mine.set(factor.id, copyData(factor));
    this.factors.set(factor.userId, mine);
    return true;
  }

  async getFactor(userId: string, factorId: string): Promise<FactorRecord | null> {
    const factor = this.factors.get(userId)?.get(factorId);
    return factor ? copyData(factor) : null;
  }

  async listFactors(userId: string): Promise<FactorRecord[]> {
    return [...(this.factors.get(userId)?.values() ?? [])].map((f) => copyData(f));
  }

  async *allFactors(): AsyncIterable<FactorRecord> {
    for (const mine of [...this.factors.values()]) for (const factor of [...mine.values()]) yield copyData(factor);
  }

  async deleteFactor(userId: string, factorId: string): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (!factor) return false;
    if (factor.kind === 'webauthn') this.credentialIds.delete(factor.credentialId);
    return this.factors.get(userId)!.delete(factorId);
  }

  async compareAndSetCounter(userId: string, factorId: string, expected: number, next: number): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (!factor || factor.counter !== expected || (factor.kind === 'webauthn' && factor.disabled)) return false;
    factor.counter = next;
    return true;
  }

  async setFactorDisabled(userId: string, factorId: string, disabled: boolean): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (factor?.kind !== 'webauthn' || (factor.disabled === true) === disabled) return false;
    if (disabled) factor.disabled = true;
    else delete factor.disabled;
    return true;
  }

  async compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (!factor || !('secret' in factor) || factor.secret !== expected) return false;
    factor.secret = next;
    return true;
  }

  async replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void> {
    this.recovery.set(userId, copyData(set));
  }

  async compareAndSetRecoveryCodes(userId: string, expectedSalt: string | null, next: RecoveryCodeSet): Promise<boolean> {
    if ((this.recovery.get(userId)?.salt ?? null) !== expectedSalt) return false;
    this.recovery.set(userId, copyData(next));
    return true;
  }

  /** One process holds both: nothing can die between the two steps, and each is atomic. */
  async createFactorWithRecoveryCodes(factor: FactorRecord, expectedSalt: string | null, next: RecoveryCodeSet): Promise<FactorWithCodesStored> {
    if (!(await this.createFactor(factor))) return { created: false, recoveryCodes: false };
    return { created: true, recoveryCodes: await this.compareAndSetRecoveryCodes(factor.userId, expectedSalt, next) };
  }

  async getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null> {
    const set = this.recovery.get(userId);
    return set ? copyData(set) : null;
  }

  async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    const set = this.recovery.get(userId);
    const index = set?.hashes.findIndex((stored) => safeEqual(stored, hash)) ?? -1;
    if (!set || index < 0) return false;
    set.hashes.splice(index, 1);
    return true;
  }

  async deleteUser(userId: string): Promise<void> {
    for (const factor of this.factors.get(userId)?.values() ?? []) if (factor.kind === 'webauthn') this.credentialIds.delete(factor.credentialId);
    this.factors.delete(userId);
    this.recovery.delete(userId);
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    const user = this.users.get(userId);
    return user ? copyData(user) : null;
  }

  async *allUsers(): AsyncIterable<UserRecord> {
    for (const user of [...this.users.values()]) yield copyData(user);
  }

  async setExemption(userId: string, exemption: Exemption | null): Promise<boolean> {
    const user = this.userRecord(userId);
    const had = user.exemption !== null;
    user.exemption = exemption && copyData(exemption);
    return had;
  }

  async recordProof(userId: string, context: ProofContext): Promise<void> {
    this.userRecord(userId).lastProof = copyData(context);
  }

  private userRecord(userId: string): UserRecord {
    let user = this.users.get(userId);
    if (!user) {
      user = { userId, exemption: null, lastProof: null };
      this.users.set(userId, user);
    }
    return user;
  }
}
