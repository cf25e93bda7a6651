import { type DatabaseClient, toDatabase } from './lib/sqlClient';
import { type TableOptions, tableNames } from './lib/tables';
import { MIGRATIONS } from './migrations';

/**
 * What `migrate` did.
 *
 * @example
 * const { applied, version } = await migrate(pool);
 * if (applied.length > 0) logger.info(`mfakit schema now at version ${version}`);
 */
export interface MigrationResult {
  /** The versions applied by this call, in order; empty when the schema was already current. */
  applied: number[];
  /** The schema version now in place. */
  version: number;
}

/**
 * Brings the store's tables up to date: creates the schema (if one is configured) and the
 * `<prefix>migrations` table, then applies every version not yet recorded there. Idempotent, and
 * safe to call from several processes at start-up: it runs in one transaction under a
 * transaction-scoped advisory lock, so one caller migrates and the others wait, then find nothing
 * to do.
 *
 * Run it before the store serves a request (at start-up, or as a deploy step), with a role that
 * may create tables (and the schema, if one is configured). A failure rolls the whole call back:
 * no version is half applied.
 *
 * @param client a `pg` Pool or a PGlite instance
 * @param options the same `schema` and `tablePrefix` as the store's
 * @returns The versions applied by this call and the version now in place.
 * @throws MfaError `invalid_option` for a client that is not a Pool or PGlite, or a bad schema or
 *   prefix; the database's own error when a statement fails.
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS (advisory locks)
 * @example
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 */
export async function migrate(client: DatabaseClient, options: TableOptions = {}): Promise<MigrationResult> {
  const t = tableNames(options);
  const db = toDatabase(client);
  return db.transaction(async (tx) => {
    // One lock per schema and prefix; released at COMMIT or ROLLBACK.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mfakit_migrations:${t.lockName}`]);
    if (t.schema) await tx.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query(`SELECT version FROM ${t.migrations}`);
    const done = new Set((rows as { version: number | string }[]).map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const [index, render] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (done.has(version)) continue;
      for (const statement of splitStatements(render(t))) await tx.query(statement);
      await tx.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [version]);
      applied.push(version);
    }
    return { applied, version: Math.max(0, ...done, ...applied) };
  });
}

/** Statements of a migration, one per query (the extended protocol takes one at a time). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter(Boolean);
}
