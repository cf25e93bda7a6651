import { MfaError } from '@mfakit/core';
import type { Exemption, FactorRecord, FactorStore, FactorWithCodesStored, ProofContext, RecoveryCodeSet, SecretSwap, UserRecord } from '@mfakit/core/store';
import { exemptionParam, factorOf, type FactorRow, factorParams, INSERT_COLUMNS, INSERT_VALUES, proofParam, userOf, type UserRow } from './lib/rows';
import { type DatabaseClient, type SqlClient, type SqlDatabase, toDatabase } from './lib/sqlClient';
import { type TableNames, type TableOptions, tableNames } from './lib/tables';
import { migrate, type MigrationResult } from './migrate';

/**
 * The options of `PostgresFactorStore`: where its tables live (pass the same to `migrate`) and
 * the page size of its full scans.
 *
 * @example
 * new PostgresFactorStore(pool, { schema: 'auth', tablePrefix: 'mfa_', pageSize: 1000 });
 */
export interface PostgresFactorStoreOptions extends TableOptions {
  /**
   * Rows fetched per query by `allFactors` and `allUsers` (keyset pagination; two pages at most
   * in memory, about 1 KB a factor). @default 2000
   */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 2000; // 500 made the report over 100,000 users 10-20% slower (bench/postgres)

/**
 * mfakit's durable records in PostgreSQL: factors (TOTP/HOTP with their encrypted secrets,
 * WebAuthn credentials, email/SMS factors with their encrypted destinations), recovery code
 * hashes and user records (exemption, last proof). Works on a `pg` Pool or on PGlite with the
 * same SQL. Every method is one statement, or one transaction, so racing requests on any number
 * of processes never both win a compare-and-set or a recovery code.
 *
 * The tables must exist: call `await store.migrate()` (or `migrate(client)`) once at start-up.
 * The store never closes the client it was given.
 *
 * What the caller must keep: this database is the only copy of every enrolled factor, so back it
 * up with the application's own user data. The OTP secrets and email/SMS destinations in it are encrypted by the
 * core's key ring: keep every key of `encryptionKeys` that a stored secret is still under (until
 * `mfa.admin.rotateKeys()` has moved them to the current key), or those factors stop working
 * (`MfaError` `secret_undecryptable`). Recovery codes are kept only as salted hashes.
 *
 * @see NIST SP 800-63B 5.1.2.2 (look-up secrets stored hashed) and 5.1.4.2 (OTP secrets protected at rest)
 *
 * @example
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL });
 * const factors = new PostgresFactorStore(pool);
 * await factors.migrate();
 * const mfa = createMfa({ issuer: 'Acme', stores: { factors, state: redisStore } });
 */
export class PostgresFactorStore implements FactorStore {
  private readonly db: SqlDatabase;
  private readonly t: TableNames;
  private readonly pageSize: number;

  /**
   * Checks the client and the options once; runs no query.
   *
   * @param client a `pg` Pool (pg 8.x) or a PGlite instance, owned (and ended) by the caller
   * @param options `schema` and `tablePrefix` of the tables (as given to `migrate`), `pageSize`
   * @throws MfaError `invalid_option` for another client, a bad schema or prefix, or page size
   */
  constructor(
    private readonly client: DatabaseClient,
    private readonly options: PostgresFactorStoreOptions = {},
  ) {
    this.db = toDatabase(client);
    this.t = tableNames(options);
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new MfaError('invalid_option', 'pageSize must be a positive integer.');
  }

  /**
   * Creates or updates the tables, with this store's client and table options (see `migrate`);
   * idempotent and safe to run from several processes at once.
   *
   * @returns The versions it applied and the version now in place.
   * @example
   * const { applied, version } = await store.migrate();
   */
  migrate(): Promise<MigrationResult> {
    return migrate(this.client, this.options);
  }

  /**
   * One INSERT of the factor (its secret as the core encrypted it): false, inserting nothing, when
   * the unique index of migration 3 holds its WebAuthn credential id already (a racing insert
   * waits for the other to commit, then finds it); rejects on a duplicate `(userId, id)`.
   */
  async createFactor(factor: FactorRecord): Promise<boolean> {
    return this.insertFactor(this.db, factor);
  }

  /** The INSERT of `createFactor`, on the pool or inside a transaction. */
  private async insertFactor(client: SqlClient, factor: FactorRecord): Promise<boolean> {
    const { rows } = await client.query(
      `INSERT INTO ${this.t.factors} (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})
       ON CONFLICT ((data->>'credentialId')) WHERE kind = 'webauthn' DO NOTHING RETURNING id`,
      factorParams(factor),
    );
    return rows.length > 0;
  }

  /**
   * The user's factor with this id, or null.
   * @throws MfaError `store_corrupt` for a row the store cannot read back (an unknown kind, an OTP factor without a secret).
   */
  async getFactor(userId: string, factorId: string): Promise<FactorRecord | null> {
    const { rows } = await this.db.query(`SELECT * FROM ${this.t.factors} WHERE user_id = $1 AND id = $2`, [userId, factorId]);
    const row = rows[0] as FactorRow | undefined;
    return row ? factorOf(row) : null;
  }

  /** The user's factors, oldest first. */
  async listFactors(userId: string): Promise<FactorRecord[]> {
    const { rows } = await this.db.query(`SELECT * FROM ${this.t.factors} WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return (rows as FactorRow[]).map(factorOf);
  }

  /**
   * Every factor, ordered by user and id, fetched a page at a time after the last key seen (keyset
   * pagination: no transaction held open, no OFFSET); the next page is asked for while the caller
   * works through this one, so at most two pages are in memory.
   */
  async *allFactors(): AsyncIterable<FactorRecord> {
    const pages = this.pages<FactorRow>(
      `SELECT * FROM ${this.t.factors} ORDER BY user_id, id LIMIT $1`,
      `SELECT * FROM ${this.t.factors} WHERE (user_id, id) > ($2, $3) ORDER BY user_id, id LIMIT $1`,
      (row) => [row.user_id, row.id],
    );
    for await (const page of pages) for (const row of page) yield factorOf(row);
  }

  /**
   * The pages of a keyset scan: `first` takes the page size as `$1`, `next` also the last key
   * seen (`keyOf` of the page's last row) as `$2`, `$3`... Each next page is asked for before
   * the current one is handed out, so the database works while the caller does; a page shorter
   * than `pageSize` is the last.
   */
  private async *pages<Row>(first: string, next: string, keyOf: (row: Row) => unknown[]): AsyncIterable<Row[]> {
    let pending = this.db.query(first, [this.pageSize]);
    for (;;) {
      const page = (await pending).rows as Row[];
      if (page.length < this.pageSize) {
        if (page.length > 0) yield page;
        return;
      }
      pending = this.db.query(next, [this.pageSize, ...keyOf(page[page.length - 1]!)]);
      pending.catch(() => {}); // a caller that stops early never awaits it: its failure is not unhandled
      yield page;
    }
  }

  /** One DELETE ... RETURNING; false when the user had no such factor. */
  async deleteFactor(userId: string, factorId: string): Promise<boolean> {
    const { rows } = await this.db.query(`DELETE FROM ${this.t.factors} WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, factorId]);
    return rows.length > 0;
  }

  /**
   * One conditional UPDATE: sets the HOTP (RFC 4226) or WebAuthn signature counter to `next` only
   * if it is still `expected`, so of racing proofs with the same counter exactly one wins.
   */
  async compareAndSetCounter(userId: string, factorId: string, expected: number, next: number): Promise<boolean> {
    const { rows } = await this.db.query(`UPDATE ${this.t.factors} SET counter = $4 WHERE user_id = $1 AND id = $2 AND counter = $3 AND NOT disabled RETURNING id`, [userId, factorId, expected, next]);
    return rows.length > 0;
  }

  /** One conditional UPDATE of a WebAuthn credential's `disabled` flag: true for the one caller that changed it. */
  async setFactorDisabled(userId: string, factorId: string, disabled: boolean): Promise<boolean> {
    const { rows } = await this.db.query(`UPDATE ${this.t.factors} SET disabled = $3 WHERE user_id = $1 AND id = $2 AND kind = 'webauthn' AND disabled <> $3 RETURNING id`, [
      userId,
      factorId,
      disabled,
    ]);
    return rows.length > 0;
  }

  /**
   * One conditional UPDATE: replaces an OTP or email/SMS factor's encrypted secret only if it is
   * still `expected` (key rotation racing another change loses, and leaves the row alone).
   */
  async compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean> {
    const { rows } = await this.db.query(`UPDATE ${this.t.factors} SET secret = $4 WHERE user_id = $1 AND id = $2 AND kind IN ('totp', 'hotp', 'oob') AND secret = $3 RETURNING id`, [
      userId,
      factorId,
      expected,
      next,
    ]);
    return rows.length > 0;
  }

  /**
   * `compareAndSetSecret` for a batch, in one UPDATE joined with the swaps (sent as four arrays):
   * each row is replaced only if it still holds its `expected` ciphertext, checked row by row as
   * the row is locked, so a factor changed meanwhile keeps its change. One statement, one commit,
   * instead of one per secret.
   */
  async compareAndSetSecrets(swaps: readonly SecretSwap[]): Promise<number> {
    if (swaps.length === 0) return 0;
    const { rows } = await this.db.query(
      `UPDATE ${this.t.factors} SET secret = swap.next
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS swap(swap_user_id, swap_id, expected, next)
       WHERE user_id = swap.swap_user_id AND id = swap.swap_id AND kind IN ('totp', 'hotp', 'oob') AND secret = swap.expected
       RETURNING id`,
      [swaps.map((s) => s.userId), swaps.map((s) => s.factorId), swaps.map((s) => s.expected), swaps.map((s) => s.next)],
    );
    return rows.length;
  }

  /** Swaps the whole set in one transaction: no moment where old and new codes both work. */
  async replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ${this.t.recoverySets} (user_id, salt, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET salt = EXCLUDED.salt, created_at = EXCLUDED.created_at`,
        [userId, set.salt, set.createdAt],
      );
      await this.replaceCodes(tx, userId, set.hashes);
    });
  }

  /**
   * One transaction: claims the set's row, inserted only where none is (`expectedSalt` null) or
   * updated only while its salt is still `expectedSalt` (a racing caller waits on the row lock,
   * then finds another salt), then swaps the codes. False, changing nothing, for the loser.
   */
  async compareAndSetRecoveryCodes(userId: string, expectedSalt: string | null, next: RecoveryCodeSet): Promise<boolean> {
    return this.db.transaction((tx) => this.swapRecoveryCodes(tx, userId, expectedSalt, next));
  }

  /**
   * One transaction: the INSERT of `createFactor`, then, when it stored the factor, the swap of
   * `compareAndSetRecoveryCodes`. Committed together or not at all: an instance killed midway
   * (its connection gone, the transaction rolled back) leaves neither the factor nor the set.
   */
  async createFactorWithRecoveryCodes(factor: FactorRecord, expectedSalt: string | null, next: RecoveryCodeSet): Promise<FactorWithCodesStored> {
    return this.db.transaction(async (tx) => {
      if (!(await this.insertFactor(tx, factor))) return { created: false, recoveryCodes: false };
      return { created: true, recoveryCodes: await this.swapRecoveryCodes(tx, factor.userId, expectedSalt, next) };
    });
  }

  /** Inside a transaction, the compare-and-set of `compareAndSetRecoveryCodes`. */
  private async swapRecoveryCodes(tx: SqlClient, userId: string, expectedSalt: string | null, next: RecoveryCodeSet): Promise<boolean> {
    const { rows } =
      expectedSalt === null
        ? await tx.query(`INSERT INTO ${this.t.recoverySets} (user_id, salt, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING RETURNING user_id`, [userId, next.salt, next.createdAt])
        : await tx.query(`UPDATE ${this.t.recoverySets} SET salt = $3, created_at = $4 WHERE user_id = $1 AND salt = $2 RETURNING user_id`, [userId, expectedSalt, next.salt, next.createdAt]);
    if (rows.length === 0) return false;
    await this.replaceCodes(tx, userId, next.hashes);
    return true;
  }

  /** Inside a transaction that holds the set's row: the user's codes become `hashes`, in their order. */
  private async replaceCodes(tx: SqlClient, userId: string, hashes: string[]): Promise<void> {
    await tx.query(`DELETE FROM ${this.t.recoveryCodes} WHERE user_id = $1`, [userId]);
    if (hashes.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.t.recoveryCodes} (user_id, hash, position)
       SELECT $1, code.hash, code.position FROM unnest($2::text[]) WITH ORDINALITY AS code(hash, position)
       ON CONFLICT DO NOTHING`,
      [userId, hashes],
    );
  }

  /** The user's recovery-code set (salt, the hashes not yet used, in their order), or null when there is none. */
  async getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null> {
    const { rows } = await this.db.query(
      `SELECT s.salt, s.created_at, coalesce(array_agg(c.hash ORDER BY c.position) FILTER (WHERE c.hash IS NOT NULL), '{}') AS hashes
       FROM ${this.t.recoverySets} s LEFT JOIN ${this.t.recoveryCodes} c ON c.user_id = s.user_id
       WHERE s.user_id = $1 GROUP BY s.user_id, s.salt, s.created_at`,
      [userId],
    );
    const row = rows[0] as { salt: string; hashes: string[]; created_at: string | number } | undefined;
    return row ? { salt: row.salt, hashes: [...row.hashes], createdAt: Number(row.created_at) } : null;
  }

  /** One DELETE ... RETURNING: of racing callers with the same hash, exactly one sees the row. */
  async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    const { rows } = await this.db.query(`DELETE FROM ${this.t.recoveryCodes} WHERE user_id = $1 AND hash = $2 RETURNING position`, [userId, hash]);
    return rows.length > 0;
  }

  /** One transaction: removes every factor and the recovery codes of the user (a revocation); the user record stays. */
  async deleteUser(userId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.t.factors} WHERE user_id = $1`, [userId]);
      await tx.query(`DELETE FROM ${this.t.recoverySets} WHERE user_id = $1`, [userId]); // codes go by cascade
    });
  }

  /** The user's record (exemption, last proof), or null when nothing was ever recorded. */
  async getUser(userId: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query(`SELECT * FROM ${this.t.users} WHERE user_id = $1`, [userId]);
    const row = rows[0] as UserRow | undefined;
    return row ? userOf(row) : null;
  }

  /** Every user record, ordered by user id, fetched a page at a time after the last id seen (as `allFactors`). */
  async *allUsers(): AsyncIterable<UserRecord> {
    const pages = this.pages<UserRow>(`SELECT * FROM ${this.t.users} ORDER BY user_id LIMIT $1`, `SELECT * FROM ${this.t.users} WHERE user_id > $2 ORDER BY user_id LIMIT $1`, (row) => [row.user_id]);
    for await (const page of pages) for (const row of page) yield userOf(row);
  }

  /**
   * One transaction: make sure the user's row exists (waiting for a racing insert), lock it, read
   * what was there, write. Racing calls therefore answer as if they ran one after the other.
   */
  async setExemption(userId: string, exemption: Exemption | null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${this.t.users} (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
      const { rows } = await tx.query(`SELECT exemption FROM ${this.t.users} WHERE user_id = $1 FOR UPDATE`, [userId]);
      await tx.query(`UPDATE ${this.t.users} SET exemption = $2::jsonb WHERE user_id = $1`, [userId, exemptionParam(exemption)]);
      const previous = (rows[0] as Pick<UserRow, 'exemption'> | undefined)?.exemption;
      return previous !== null && previous !== undefined;
    });
  }

  /** One upsert: records where and when the user last proved a factor, replacing the previous record. */
  async recordProof(userId: string, context: ProofContext): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.t.users} (user_id, last_proof) VALUES ($1, $2::jsonb)
       ON CONFLICT (user_id) DO UPDATE SET last_proof = EXCLUDED.last_proof`,
      [userId, proofParam(context)],
    );
  }
}
