import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { MfaError } from '../errors';
import type { RandomBytes } from '../lib/random';

/**
 * One encryption key: an id that travels with every ciphertext, and 32 bytes of key. Keep it in
 * a secret store, never in the database it protects, for as long as any secret is under it.
 *
 * @example
 * const key: EncryptionKey = { id: 'k2', key: Buffer.from(process.env.MFA_KEY_K2!, 'base64') };
 */
export interface EncryptionKey {
  /** The key id: 1 to 32 letters, digits, `_` or `-`; unique in the ring. */
  id: string;
  /** 32 bytes (AES-256), e.g. from `openssl rand -base64 32`. */
  key: Buffer;
}

const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // NIST SP 800-38D 8.2: 96-bit IVs for GCM
const TAG_BYTES = 16;
const FORMAT = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Encrypts secrets at rest with AES-256-GCM. The first key is current and encrypts; every key
 * decrypts what it encrypted, so keys rotate without downtime: add a new key first in the list,
 * run `mfa.admin.rotateKeys()`, then drop the old key.
 *
 * A ciphertext reads `v1:<keyId>:<iv>:<ciphertext+tag>` (base64url). The caller binds it to its
 * owner with associated data (mfakit uses the user and factor ids), so a ciphertext copied to
 * another user's record does not decrypt.
 *
 * What must persist: every key that still has a ciphertext under it. A key dropped too early
 * makes those secrets unreadable (`secret_undecryptable`).
 *
 * @example
 * const ring = new KeyRing(parseEncryptionKeys(process.env.MFA_ENCRYPTION_KEYS!), randomBytes);
 * const sealed = ring.encrypt('JBSWY3DPEHPK3PXP', 'mfakit:otp:alice:fac_1');
 * ring.decrypt(sealed, 'mfakit:otp:alice:fac_1'); // 'JBSWY3DPEHPK3PXP'
 * @see NIST SP 800-38D (GCM); NIST SP 800-63B 5.1.4.2 / 5.1.5.2 (OTP secrets protected at rest)
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;
  /** The id of the current key, the first of the list: what `encrypt` uses. */
  readonly currentId: string;

  /**
   * @param keys - The keys, the current one first.
   * @param random - The source of the 96-bit IVs.
   * @throws MfaError `invalid_option` for no key, a malformed or repeated id, or a key that is
   *   not 32 bytes.
   */
  constructor(
    keys: EncryptionKey[],
    private readonly random: RandomBytes,
  ) {
    if (keys.length === 0) throw new MfaError('invalid_option', 'encryptionKeys must hold at least one key');
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new MfaError('invalid_option', `encryption key id ${JSON.stringify(id)} must match ${KEY_ID}`);
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new MfaError('invalid_option', `encryption key ${id} must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`);
      }
    }
    this.keys = new Map(keys.map(({ id, key }) => [id, Buffer.from(key)]));
    if (this.keys.size !== keys.length) throw new MfaError('invalid_option', 'encryption key ids must be unique');
    this.currentId = keys[0]!.id;
  }

  /**
   * A keyed fingerprint of a value: HMAC-SHA-256 under a key derived (HKDF) from the current key,
   * base64url. It lets the state store count by a personal value (a phone number) without holding
   * one that anyone could reverse by hashing every number. It changes when the current key does.
   * @param value - The value, e.g. a phone number.
   * @param purpose - What the fingerprint is for; different purposes give unrelated fingerprints.
   */
  fingerprint(value: string, purpose: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.keys.get(this.currentId)!, Buffer.alloc(0), `mfakit:fingerprint:${purpose}`, KEY_BYTES));
    return createHmac('sha256', key).update(value).digest('base64url');
  }

  /**
   * Encrypts under the current key, with a new random IV.
   * @param plaintext - The secret.
   * @param associatedData - What binds the ciphertext to its owner; `decrypt` needs the same.
   * @returns `v1:<keyId>:<iv>:<ciphertext+tag>`.
   */
  encrypt(plaintext: string, associatedData: string): string {
    const iv = this.random(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, this.currentId, iv.toString('base64url'), body.toString('base64url')].join(':');
  }

  /**
   * Decrypts with the key the ciphertext names.
   * @param ciphertext - What `encrypt` returned.
   * @param associatedData - The same as at encryption.
   * @returns The plaintext.
   * @throws MfaError `secret_undecryptable` when the key is not in the ring, or the ciphertext,
   *   key or associated data does not authenticate.
   */
  decrypt(ciphertext: string, associatedData: string): string {
    const [format, keyId, iv, body] = ciphertext.split(':');
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (format !== FORMAT || !key || !iv || !body) {
      throw new MfaError('secret_undecryptable', `secret was encrypted under key ${JSON.stringify(keyId)}, which is not in the key ring`);
    }
    const data = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new MfaError('secret_undecryptable', `secret failed authentication under key ${keyId}`, { cause });
    }
  }

  /** True when the ciphertext was made under a key other than the current one. */
  isStale(ciphertext: string): boolean {
    return ciphertext.split(':')[1] !== this.currentId;
  }
}

/**
 * Reads keys from the text form used in environment variables: `kid:base64key,kid2:base64key`,
 * the first one current. Generate a key with `openssl rand -base64 32`. Key lengths and ids are
 * checked when the key ring is made (by `createMfa`).
 *
 * @param spec - The text, e.g. `process.env.MFA_ENCRYPTION_KEYS`.
 * @returns The keys, in order.
 * @throws MfaError `invalid_option` for an entry without `kid:`.
 * @example
 * parseEncryptionKeys('k2:3q2+7w...=,k1:oY1v...='); // [{ id: 'k2', key: <Buffer> }, { id: 'k1', key: <Buffer> }]
 */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon < 1) throw new MfaError('invalid_option', "encryption keys must read 'kid:base64key,...'");
      return { id: part.slice(0, colon), key: Buffer.from(part.slice(colon + 1), 'base64') };
    });
}
