// Shared set-up for the postgres package's tests: the two databases the store runs on, PGlite in
// memory (always) and a real PostgreSQL at DATABASE_URL (when one answers), each in a fresh
// schema that is dropped afterwards.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { postgresAnswers, whenServices } from '@mfakit/testing';
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

/** Whether PostgreSQL answers at DATABASE_URL (asked once, when the file is collected). */
export const postgresReachable: boolean = postgresAnswers(DATABASE_URL);

/** Registers `suite` when PostgreSQL answers; otherwise a skip (a failure under CI) that says why. */
export function withPostgres(suite: () => void): void {
  whenServices('the PostgreSQL suites', postgresReachable ? [] : [`PostgreSQL at DATABASE_URL=${DATABASE_URL}`], suite);
}

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

/**
 * Runs `body` on PGlite, and on PostgreSQL when it answers: a missing server is a skip that says
 * so (a failure under CI), never a quiet pass on PGlite alone.
 */
export function describeOnTargets(title: string, body: (target: DatabaseTarget) => void): void {
  describe(`${title} on ${pglite.name}`, () => body(pglite));
  withPostgres(() => describe(`${title} on ${postgres.name}`, () => body(postgres)));
}
