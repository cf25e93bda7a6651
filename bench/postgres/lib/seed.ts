// The population of the postgres suite, written with a few set-based INSERTs straight into the
// store's tables (not through the core one factor at a time, which would take minutes): `users`
// application users, and as many TOTP factors, each secret encrypted by the bench's own key ring
// under its own user and factor id (otpSecretContext), so that rotateKeys really decrypts and
// re-encrypts every one. The shape, by user number i:
//   - i % 10 == 0: no factor (a required user the rollout waits for, unless exempt);
//   - i % 10 == 1: two factors; every other user: one (so there are as many factors as users);
//   - i % 5 != 0: a recorded last proof; i % 100 == 7: an exemption (expired when i % 200 == 7);
//   - roles: i % 50 == 3 is a service account ('service': the `exempt` option), i % 4 == 2 a
//     contractor (not required), everyone else an employee (required).
import { randomBytes } from 'node:crypto';
import type { MfaUser } from '@mfakit/core';
import type { SqlClient } from '@mfakit/postgres';
import type { KeyRing } from '../../../packages/core/src/secrets/keyRing';
import { otpSecretContext } from '../../../packages/core/src/totp/otp';

const INSERT_ROWS = 5000; // rows per INSERT: arrays of a few MB, well under the protocol's limits
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** What the seeded tables hold, to check the report's totals against. */
export interface Population {
  /** The application's users, with their roles for the policy. */
  users: MfaUser[];
  /** TOTP factors stored. */
  factors: number;
  /** What the report's totals must be, from the rules above. */
  totals: { users: number; required: number; enrolled: number; exempt: number; missing: number };
}

/** The user id of number i: fixed width, so that the ids sort as the numbers do. */
export const userIdOf = (i: number) => `user-${String(i).padStart(7, '0')}`;

export const isService = (user: MfaUser) => user.roles?.includes('service') === true;

/** Fills the store's (migrated, empty) tables in `t` with `count` users and `count` TOTP factors. */
export async function seed(db: SqlClient, t: { factors: string; users: string }, keyRing: KeyRing, count: number, now: number): Promise<Population> {
  const users: MfaUser[] = [];
  const factors: { userId: string; id: string; secret: string; createdAt: number }[] = [];
  let required = 0;
  let enrolled = 0;
  let exempt = 0;
  let missing = 0;
  for (let i = 0; i < count; i += 1) {
    const id = userIdOf(i);
    const role = i % 50 === 3 ? 'service' : i % 4 === 2 ? 'contractor' : 'employee';
    users.push({ id, roles: [role] });
    const mine = i % 10 === 0 ? 0 : i % 10 === 1 ? 2 : 1;
    for (let k = 0; k < mine; k += 1) {
      const factorId = `fac_${randomBytes(16).toString('base64url')}`;
      factors.push({ userId: id, id: factorId, secret: keyRing.encrypt(base32Secret(), otpSecretContext(id, factorId)), createdAt: now - (count - i) * 1000 - k });
    }
    const isRequired = role === 'employee';
    const isExempt = role === 'service' || (i % 100 === 7 && i % 200 !== 7);
    required += isRequired ? 1 : 0;
    enrolled += mine > 0 ? 1 : 0;
    exempt += isExempt ? 1 : 0;
    missing += isRequired && mine === 0 && !isExempt ? 1 : 0;
  }
  const data = JSON.stringify({ algorithm: 'sha1', digits: 6, period: 30 });
  for (let from = 0; from < factors.length; from += INSERT_ROWS) {
    const chunk = factors.slice(from, from + INSERT_ROWS);
    await db.query(
      `INSERT INTO ${t.factors} (user_id, id, kind, label, created_at, counter, secret, data, disabled)
       SELECT f.user_id, f.id, 'totp', 'Authenticator app', f.created_at, 0, f.secret, $5::jsonb, false
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS f(user_id, id, created_at, secret)`,
      [chunk.map((f) => f.userId), chunk.map((f) => f.id), chunk.map((f) => f.createdAt), chunk.map((f) => f.secret), data],
    );
  }
  // The user records, in one statement: a last proof for four users in five, an exemption for one in a hundred.
  await db.query(
    `INSERT INTO ${t.users} (user_id, exemption, last_proof)
     SELECT 'user-' || lpad(i::text, 7, '0'),
            CASE WHEN i % 100 = 7 THEN jsonb_build_object('reason', 'New phone on its way', 'grantedBy', 'admin-1', 'grantedAt', $2::bigint - 86400000,
                                                          'expiresAt', CASE WHEN i % 200 = 7 THEN $2::bigint - 3600000 ELSE $2::bigint + 86400000 END) END,
            CASE WHEN i % 5 <> 0 THEN jsonb_build_object('at', $2::bigint - i, 'ip', '203.0.113.' || (i % 250), 'userAgent', 'Mozilla/5.0 (bench)') END
     FROM generate_series(0, $1::int - 1) AS i
     WHERE i % 5 <> 0 OR i % 100 = 7`,
    [count, now],
  );
  await db.query(`ANALYZE ${t.factors}`);
  await db.query(`ANALYZE ${t.users}`);
  return { users, factors: factors.length, totals: { users: count, required, enrolled, exempt, missing } };
}

/** A 160-bit TOTP secret in base32, as enrollment makes one. */
function base32Secret(): string {
  const bytes = randomBytes(32);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}
