export * from './PostgresFactorStore';
export * from './migrate';
export { MIGRATIONS } from './migrations';
export type { DatabaseClient, PGliteLike, PgPoolLike, SqlClient, SqlDatabase } from './lib/sqlClient';
export type { TableNames, TableOptions } from './lib/tables';
