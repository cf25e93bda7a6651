import { scrypt } from 'node:crypto';
import type { MfaContext } from '../context';

/** What making recovery codes needs: a part of the core's context. */
export type RecoveryPorts = Pick<MfaContext, 'randomBytes' | 'recoveryCodeCost'>;

/**
 * How many recovery codes a set holds: 10. Recovery codes: 16 characters of Crockford's base32
 * (80 bits each), shown in four groups of four. Only a salted scrypt hash of each is stored. All
 * codes of a set share the set's salt, so checking a code costs one slow hash however many codes
 * are left. Each works once; a new set voids the old one.
 * @see NIST SP 800-63B 5.1.2 (look-up secrets)
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
const CODE_LENGTH = 16; // x 5 bits = 80 bits; the issue asks for at least 64
const SALT_BYTES = 16;
// scrypt cost: the codes carry 80 random bits, so the hash guards a stolen database, not a
// guessable secret; N=2^13 (8 MiB) keeps one check near 15 ms. OWASP's password minimum is 2^17.
/** log2 of scrypt's N for recovery codes: the default of `recoveryCodeCost`. */
export const DEFAULT_RECOVERY_CODE_COST = 13;
const SCRYPT_R = 8;
const HASH_BYTES = 32;
// A set made at another cost keeps it with its salt, as `ln<cost>$<salt>` (after the PHC string
// format's `ln=`): a set is always checked at the cost it was made with.
const COST_PREFIX = /^ln(\d{1,2})\$/;

/** Makes a new set: the codes to show once, and what to store. */
export async function newRecoveryCodes(opts: RecoveryPorts): Promise<{ codes: string[]; salt: string; hashes: string[] }> {
  const random = opts.randomBytes(SALT_BYTES).toString('base64url');
  const salt = opts.recoveryCodeCost === DEFAULT_RECOVERY_CODE_COST ? random : `ln${opts.recoveryCodeCost}$${random}`;
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomCode(opts));
  const hashes = await Promise.all(codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code)!, salt)));
  return { codes, salt, hashes };
}

/**
 * Upper-cases, drops spaces and dashes, reads I and L as 1 and O as 0; null if not a code.
 * @param input - What the user typed.
 * @returns The 16 characters that are hashed, or null when it cannot be a recovery code.
 * @example
 * normalizeRecoveryCode('abcd-efgh jkmn-pqrs'); // 'ABCDEFGHJKMNPQRS'
 * normalizeRecoveryCode('1234'); // null
 */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!ALPHABET.includes(char)) return null;
  return code;
}

/** The scrypt hash of a normalized code under its set's salt, at the cost the salt names (the default when it names none). */
export function hashRecoveryCode(normalized: string, salt: string): Promise<string> {
  const cost = COST_PREFIX.exec(salt);
  const N = 2 ** (cost ? Number(cost[1]) : DEFAULT_RECOVERY_CODE_COST);
  const bytes = Buffer.from(cost ? salt.slice(cost[0].length) : salt, 'base64url');
  return new Promise((resolve, reject) =>
    scrypt(normalized, bytes, HASH_BYTES, { N, r: SCRYPT_R, p: 1, maxmem: 256 * N * SCRYPT_R }, (err, key) => (err ? reject(err) : resolve(key.toString('base64url')))),
  );
}

function randomCode(opts: RecoveryPorts): string {
  const bytes = opts.randomBytes(CODE_LENGTH);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 31]; // 256 is a multiple of 32: no bias
  return code.match(/.{4}/g)!.join('-');
}
