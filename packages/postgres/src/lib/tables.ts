import { MfaError } from '@mfakit/core';

/**
 * Where the store's tables live: `<schema>.<tablePrefix>factors`, `...recovery_sets`,
 * `...recovery_codes`, `...users` and `...migrations`. Give the same to the store and to
 * `migrate`. Names are lower-case identifiers (letters, digits, `_`; up to 40 characters).
 *
 * @example
 * await migrate(pool, { schema: 'auth', tablePrefix: 'mfa_' }); // "auth"."mfa_factors", ...
 */
export interface TableOptions {
  /** A PostgreSQL schema for the tables, created by `migrate` if missing. @default the search_path (usually `public`) */
  schema?: string;
  /** Put before every table name. @default 'mfakit_' */
  tablePrefix?: string;
}

/**
 * The quoted, schema-qualified names of the store's tables, as each migration renders them.
 *
 * @example
 * // { schema: 'auth', tablePrefix: 'mfa_' } gives factors: '"auth"."mfa_factors"'
 */
export interface TableNames {
  /** The schema, or undefined for the search_path. */
  schema: string | undefined;
  /** The versions `migrate` applied. */
  migrations: string;
  /** One row per factor; the encrypted secret in `secret`. */
  factors: string;
  /** One row per user with recovery codes: the set's salt. */
  recoverySets: string;
  /** One row per unused recovery code hash. */
  recoveryCodes: string;
  /** One row per user with an exemption or a recorded proof (migration 2). */
  users: string;
  /** The bare prefix, for index names (which live in the table's schema). */
  prefix: string;
  /** A stable text naming this set of tables, for the migration advisory lock. */
  lockName: string;
}

export const DEFAULT_TABLE_PREFIX = 'mfakit_';

// Unquoted PostgreSQL identifiers, lower case so quoting never changes their meaning; 63 bytes is
// NAMEDATALEN - 1 (PostgreSQL docs, "Identifiers and Key Words"), leaving room for suffixes.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;
const PREFIX = /^[a-z_][a-z0-9_]{0,39}$|^$/;

/** Checks the options once and builds every table name; throws `invalid_option` on a bad name. */
export function tableNames(options: TableOptions = {}): TableNames {
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (!PREFIX.test(prefix)) throw new MfaError('invalid_option', `tablePrefix must match ${PREFIX}.`);
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) throw new MfaError('invalid_option', `schema must match ${IDENTIFIER}.`);
  const qualify = (name: string) => (options.schema ? `"${options.schema}"."${prefix}${name}"` : `"${prefix}${name}"`);
  return {
    schema: options.schema,
    migrations: qualify('migrations'),
    factors: qualify('factors'),
    recoverySets: qualify('recovery_sets'),
    recoveryCodes: qualify('recovery_codes'),
    users: qualify('users'),
    prefix,
    lockName: `${options.schema ?? ''}.${prefix}`,
  };
}
