import type { TableNames } from './lib/tables';

/**
 * The schema of `@mfakit/postgres`, one entry per version, in order: version N is entry N - 1.
 * Entries are never edited once released; a change is a new entry. Each renders its SQL for the
 * configured schema and table prefix.
 *
 * Factors keep their common and hot fields in columns (the compare-and-set targets `counter` and
 * `secret` among them) and the rest of each kind in a JSONB `data` column. Recovery codes keep a
 * row per hash, so using one is a single atomic DELETE. User records (version 2) keep the
 * exemption and the last proof's context as JSONB, NULL when there is none; version 2 also admits
 * out-of-band factors (kind 'oob', encrypted destination in `secret`, channel and hint in `data`).
 * Version 3 makes a WebAuthn credential id unique across all users (a partial unique index on
 * `data->>'credentialId'`), keeping the first registration of any id stored more than once
 * before; version 4 adds the `disabled` flag of a credential whose signature counter went back.
 *
 * Apply them with `migrate`, never by hand: it records each version in `<prefix>migrations`.
 *
 * @example
 * const latest = MIGRATIONS.length; // the version `migrate` brings the tables to
 * const { version } = await migrate(pool);
 * if (version < latest) throw new Error('the mfakit tables are behind');
 */
export const MIGRATIONS: ReadonlyArray<(t: TableNames) => string> = [
  (t) => `
    CREATE TABLE ${t.factors} (
      user_id    text   NOT NULL,
      id         text   NOT NULL,
      kind       text   NOT NULL CHECK (kind IN ('totp', 'hotp', 'webauthn')),
      label      text   NOT NULL,
      created_at bigint NOT NULL,
      counter    bigint NOT NULL DEFAULT 0,
      secret     text,
      data       jsonb  NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (user_id, id),
      CHECK ((kind = 'webauthn') = (secret IS NULL))
    );
    CREATE INDEX "${t.prefix}factors_kind_idx" ON ${t.factors} (kind);
    CREATE TABLE ${t.recoverySets} (
      user_id    text   PRIMARY KEY,
      salt       text   NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE TABLE ${t.recoveryCodes} (
      user_id  text    NOT NULL REFERENCES ${t.recoverySets} (user_id) ON DELETE CASCADE,
      hash     text    NOT NULL,
      position integer NOT NULL,
      PRIMARY KEY (user_id, hash)
    );
  `,
  (t) => `
    CREATE TABLE ${t.users} (
      user_id    text  PRIMARY KEY,
      exemption  jsonb NULL,
      last_proof jsonb NULL
    );
    ALTER TABLE ${t.factors} DROP CONSTRAINT "${t.prefix}factors_kind_check";
    ALTER TABLE ${t.factors} ADD CONSTRAINT "${t.prefix}factors_kind_check" CHECK (kind IN ('totp', 'hotp', 'webauthn', 'oob'));
  `,
  // Copies of a credential id could land before this version (racing registrations): the oldest
  // stays, the one sign-ins of its user found first. The index name fits in 63 bytes.
  (t) => `
    DELETE FROM ${t.factors} newer USING ${t.factors} older
      WHERE newer.kind = 'webauthn' AND older.kind = 'webauthn'
        AND newer.data->>'credentialId' = older.data->>'credentialId'
        AND (older.created_at, older.user_id, older.id) < (newer.created_at, newer.user_id, newer.id);
    CREATE UNIQUE INDEX "${t.prefix}factors_credential_key" ON ${t.factors} ((data->>'credentialId')) WHERE kind = 'webauthn';
  `,
  (t) => `
    ALTER TABLE ${t.factors} ADD COLUMN disabled boolean NOT NULL DEFAULT false;
  `,
];
