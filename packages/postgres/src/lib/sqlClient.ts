import { MfaError } from '@mfakit/core';

/**
 * The one thing the store asks of a database: run a parameterised statement and hand back the
 * rows. A `pg` Pool, a checked-out `pg` client, PGlite and PGlite's transaction object all fit.
 */
export interface SqlClient {
  /** Runs one statement with `$1`, `$2`... bound to `params`; never string-built from values. */
  query(
    text: string,
    params?: unknown[],
  ): Promise<{
    /** The rows, as objects by column name (the store asserts each query's row type). */
    rows: unknown[];
  }>;
}

/** A `SqlClient` that can also run a callback inside one transaction. */
export interface SqlDatabase extends SqlClient {
  /** Runs `work` between BEGIN and COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** The part of a `pg` Pool the store uses (pg 8.x). */
export interface PgPoolLike extends SqlClient {
  /** Checks a client out of the pool for one transaction; the store releases it afterwards. */
  connect(): Promise<
    SqlClient & {
      /** Returns the client to the pool; with an error, discards it. */
      release(err?: Error | boolean): void;
    }
  >;
}

/** The part of a PGlite instance the store uses (`@electric-sql/pglite`). */
export interface PGliteLike extends SqlClient {
  /** PGlite's own transaction: `work` runs between BEGIN and COMMIT; ROLLBACK when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/**
 * What `PostgresFactorStore` and `migrate` accept as their database: a `pg` Pool (not a single
 * `pg.Client`, which cannot run concurrent transactions), a PGlite instance, or an object of your
 * own with `query` and `transaction`.
 *
 * @example
 * import { Pool } from 'pg';
 * const client: DatabaseClient = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
 */
export type DatabaseClient = PgPoolLike | PGliteLike | SqlDatabase;

/**
 * Wraps a `pg` Pool or a PGlite instance in the common `SqlDatabase` shape: PGlite (and anything
 * with its own `transaction`) is used as it is; a Pool checks a client out for each transaction.
 * @throws MfaError `invalid_option` for anything else (a single `pg.Client` cannot run concurrent
 *   transactions safely: pass a Pool).
 */
export function toDatabase(client: DatabaseClient): SqlDatabase {
  if (client && typeof (client as PGliteLike).transaction === 'function') return client as SqlDatabase;
  // A pg Client has connect and query too, but no pool counters: refused here, at construction.
  if (client && typeof (client as PgPoolLike).connect === 'function' && typeof client.query === 'function' && 'totalCount' in client) {
    const pool = client as PgPoolLike;
    return {
      query: (text, params) => pool.query(text, params),
      transaction: (work) => poolTransaction(pool, work),
    };
  }
  throw new MfaError('invalid_option', '@mfakit/postgres needs a pg Pool or a PGlite instance.');
}

async function poolTransaction<T>(pool: PgPoolLike, work: (tx: SqlClient) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  if (typeof connection?.release !== 'function') {
    throw new MfaError('invalid_option', '@mfakit/postgres needs a pg Pool, not a single pg Client.');
  }
  let broken: Error | undefined;
  try {
    await connection.query('BEGIN');
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await connection.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr)); // discard the connection
    }
    throw err;
  } finally {
    connection.release(broken);
  }
}
