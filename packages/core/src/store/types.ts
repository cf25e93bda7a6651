/**
 * The two storage contracts of mfakit. Every method is one atomic step: two racing requests can
 * never both win a consume, an advance or a compare-and-set. Implementations: the memory store
 * here, `@mfakit/redis` and `@mfakit/postgres`; all pass the conformance suite of
 * `@mfakit/testing`.
 */

/** The hash algorithms of RFC 6238 that mfakit accepts. */
export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

interface FactorBase {
  id: string;
  userId: string;
  /** A name the user chose or the kind's default, e.g. "Authenticator app". */
  label: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A time-based (RFC 6238) or counter-based (RFC 4226) one-time password factor. */
export interface OtpFactorRecord extends FactorBase {
  kind: 'totp' | 'hotp';
  /** The shared secret, encrypted by the key ring (never plaintext). */
  secret: string;
  algorithm: OtpAlgorithm;
  digits: 6 | 8;
  /** TOTP time step in seconds. */
  period: number;
  /** HOTP: the next counter value the authenticator may produce. */
  counter: number;
}

/** A WebAuthn credential: a passkey or a security key. */
export interface WebAuthnFactorRecord extends FactorBase {
  kind: 'webauthn';
  /** The credential id, base64url. */
  credentialId: string;
  /** The COSE public key, base64url (public: no need to encrypt). */
  publicKey: string;
  /** The signature counter last seen; 0 for authenticators that do not count. */
  counter: number;
  transports: string[];
  /** 'multiDevice' for a synced passkey, 'singleDevice' for a key bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros when attestation is 'none'). */
  aaguid: string;
}

/** A durable factor record. Further kinds (email, SMS) join this union. */
export type FactorRecord = OtpFactorRecord | WebAuthnFactorRecord;

export const isOtpFactor = (factor: FactorRecord): factor is OtpFactorRecord => factor.kind === 'totp' || factor.kind === 'hotp';

/** A set of recovery codes, stored only as salted slow hashes. */
export interface RecoveryCodeSet {
  /** Salt shared by the set's hashes (base64url); a new set has a new salt. */
  salt: string;
  /** The hashes of the codes not yet used (base64url). */
  hashes: string[];
  createdAt: number;
}

/** Durable records: factors, encrypted secrets, counters, recovery code hashes. */
export interface FactorStore {
  createFactor(factor: FactorRecord): Promise<void>;
  getFactor(userId: string, factorId: string): Promise<FactorRecord | null>;
  listFactors(userId: string): Promise<FactorRecord[]>;
  /** Every factor of every user, for key rotation and reports. */
  allFactors(): AsyncIterable<FactorRecord>;
  /** Removes a factor; false when there was none. */
  deleteFactor(userId: string, factorId: string): Promise<boolean>;
  /** Sets an HOTP or WebAuthn signature counter to `next` only if it is still `expected`. */
  compareAndSetCounter(userId: string, factorId: string, expected: number, next: number): Promise<boolean>;
  /** Replaces an OTP factor's encrypted secret only if it is still `expected` (key rotation). */
  compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean>;
  /** Replaces the user's recovery codes; the old set is void at once. */
  replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void>;
  getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null>;
  /** Removes `hash` from the user's set if present; true for exactly one caller. */
  consumeRecoveryCode(userId: string, hash: string): Promise<boolean>;
  /** Removes every factor and the recovery codes of a user. */
  deleteUser(userId: string): Promise<void>;
}

/** Short-lived state with a time to live: sessions, pending enrollments, counters, used steps. */
export interface StateStore {
  get(key: string): Promise<string | null>;
  /** Stores a value for `ttlMs` milliseconds, replacing any. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores a value only if the key is absent; true when stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Reads and deletes in one step: one caller gets the value, the others null. */
  consume(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Adds one and returns the new count; the TTL is set when the key is created, not extended. */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Stores `value` if the key is absent or holds a smaller number, and returns whether it did:
   * the replay guard ("accept step T only if T is greater than the last one accepted").
   */
  advance(key: string, value: number, ttlMs: number): Promise<boolean>;
}
