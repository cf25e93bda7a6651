import { type Clock, systemClock } from '../clock';
import { safeEqual } from '../lib/random';
import { type Exemption, type FactorRecord, type FactorStore, type ProofContext, type RecoveryCodeSet, type StateStore, type UserRecord } from './types';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Both store contracts in the memory of one process: the default, with no setup. Every method
 * runs without awaiting in between, so each is atomic on Node's single thread. Records are copied
 * in and out, so callers cannot change stored state by mutating what they hold.
 *
 * Not for a fleet: each process has its own state. Use `@mfakit/redis` and `@mfakit/postgres`.
 *
 * @example
 * const store = new MemoryStore();
 * const mfa = createMfa({ issuer: 'Acme', stores: { factors: store, state: store } });
 */
export class MemoryStore implements FactorStore, StateStore {
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly factors = new Map<string, Map<string, FactorRecord>>();
  private readonly recovery = new Map<string, RecoveryCodeSet>();
  private readonly users = new Map<string, UserRecord>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
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

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async consume(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) + 1 : 1;
    this.entries.set(key, { value: String(count), expiresAt: entry?.expiresAt ?? this.clock.now() + ttlMs });
    return count;
  }

  async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry && Number(entry.value) >= value) return false;
    this.entries.set(key, { value: String(value), expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  // --- FactorStore

  async createFactor(factor: FactorRecord): Promise<void> {
    const mine = this.factors.get(factor.userId) ?? new Map<string, FactorRecord>();
    mine.set(factor.id, structuredClone(factor));
    this.factors.set(factor.userId, mine);
  }

  async getFactor(userId: string, factorId: string): Promise<FactorRecord | null> {
    const factor = this.factors.get(userId)?.get(factorId);
    return factor ? structuredClone(factor) : null;
  }

  async listFactors(userId: string): Promise<FactorRecord[]> {
    return [...(this.factors.get(userId)?.values() ?? [])].map((f) => structuredClone(f));
  }

  async *allFactors(): AsyncIterable<FactorRecord> {
    for (const mine of [...this.factors.values()]) for (const factor of [...mine.values()]) yield structuredClone(factor);
  }

  async deleteFactor(userId: string, factorId: string): Promise<boolean> {
    return this.factors.get(userId)?.delete(factorId) ?? false;
  }

  async compareAndSetCounter(userId: string, factorId: string, expected: number, next: number): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (!factor || factor.counter !== expected) return false;
    factor.counter = next;
    return true;
  }

  async compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean> {
    const factor = this.factors.get(userId)?.get(factorId);
    if (!factor || !('secret' in factor) || factor.secret !== expected) return false;
    factor.secret = next;
    return true;
  }

  async replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void> {
    this.recovery.set(userId, structuredClone(set));
  }

  async getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null> {
    const set = this.recovery.get(userId);
    return set ? structuredClone(set) : null;
  }

  async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    const set = this.recovery.get(userId);
    const index = set?.hashes.findIndex((stored) => safeEqual(stored, hash)) ?? -1;
    if (!set || index < 0) return false;
    set.hashes.splice(index, 1);
    return true;
  }

  async deleteUser(userId: string): Promise<void> {
    this.factors.delete(userId);
    this.recovery.delete(userId);
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    const user = this.users.get(userId);
    return user ? structuredClone(user) : null;
  }

  async *allUsers(): AsyncIterable<UserRecord> {
    for (const user of [...this.users.values()]) yield structuredClone(user);
  }

  async setExemption(userId: string, exemption: Exemption | null): Promise<boolean> {
    const user = this.userRecord(userId);
    const had = user.exemption !== null;
    user.exemption = exemption && structuredClone(exemption);
    return had;
  }

  async recordProof(userId: string, context: ProofContext): Promise<void> {
    this.userRecord(userId).lastProof = structuredClone(context);
  }

  private userRecord(userId: string): UserRecord {
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = { userId, exemption: null, lastProof: null }));
    return user;
  }
}
