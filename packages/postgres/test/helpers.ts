// Shared set-up for the postgres package's tests: the two databases the store runs on, PGlite in
// memory (always) and a real PostgreSQL at DATABASE_URL (when one answers), each in a fresh
// schema that is dropped afterwards.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import type { DatabaseClient, SqlClient } from '@mfakit/postgres';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database for one test file: the client, a schema of its own, and how to clean up. */
export interface TestDatabase {
  client: DatabaseClient & SqlClient;
  schema: string;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  name: string;
  open(): Promise<TestDatabase>;
}

/**
 * Whether PostgreSQL answers at DATABASE_URL. Jest collects tests synchronously, so this asks a
 * child process (a real connection, not just a port check) and waits for its answer.
 */
export const postgresReachable: boolean = (() => {
  const probe = `const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    const c = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  const result = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, PROBE_URL: DATABASE_URL }, timeout: 10_000 });
  return result.status === 0;
})();

const freshSchema = () => `mfakit_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export const pglite: DatabaseTarget = {
  name: 'PGlite (in memory)',
  async open() {
    const db = new PGlite();
    await db.waitReady;
    return { client: db, schema: freshSchema(), close: () => db.close() };
  },
};

export const postgres: DatabaseTarget = {
  name: 'PostgreSQL at DATABASE_URL',
  async open() {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 10 });
    const schema = freshSchema();
    return {
      client: pool,
      schema,
      async close() {
        try {
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await pool.end();
        }
      },
    };
  },
};

/** PGlite always; PostgreSQL too when it answers. */
export const targets: DatabaseTarget[] = postgresReachable ? [pglite, postgres] : [pglite];
