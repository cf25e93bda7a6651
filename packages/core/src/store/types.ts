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

/**
 * A factor that receives one-time codes by email or SMS: an out-of-band authenticator (NIST SP
 * 800-63B 5.1.3). The code itself lives in the StateStore, encrypted, for ten minutes.
 */
export interface OobFactorRecord extends FactorBase {
  kind: 'oob';
  channel: 'email' | 'sms';
  /** The email address or phone number, encrypted by the key ring (it is personal data). */
  secret: string;
  /** The destination masked for display: 'a***@example.com', '+*********4567'. */
  hint: string;
  /** Unused (always 0): kept so every factor has a counter, as the stores do. */
  counter: number;
}

/** A durable factor record. */
export type FactorRecord = OtpFactorRecord | WebAuthnFactorRecord | OobFactorRecord;

export const isOtpFactor = (factor: FactorRecord): factor is OtpFactorRecord => factor.kind === 'totp' || factor.kind === 'hotp';
export const isOobFactor = (factor: FactorRecord): factor is OobFactorRecord => factor.kind === 'oob';

/** A set of recovery codes, stored only as salted slow hashes. */
export interface RecoveryCodeSet {
  /** Salt shared by the set's hashes (base64url); a new set has a new salt. */
  salt: string;
  /** The hashes of the codes not yet used (base64url). */
  hashes: string[];
  createdAt: number;
}

/**
 * An exemption an administrator granted: the user passes every MFA check until `expiresAt`, when
 * it stops applying by itself. Both the reason and the expiry are required.
 */
export interface Exemption {
  reason: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** Who granted it (the administrator's user id, or the tool that did). */
  grantedBy: string;
  grantedAt: number;
}

/** Where and when the user last proved a factor: what risk decisions compare a request with. */
export interface ProofContext {
  /** Milliseconds since the epoch. */
  at: number;
  ip?: string;
  userAgent?: string;
}

/** What mfakit keeps of a user besides factors: an exemption and the last proof's context. */
export interface UserRecord {
  userId: string;
  exemption: Exemption | null;
  lastProof: ProofContext | null;
}

/** Durable records: factors, encrypted secrets, counters, recovery code hashes, user records. */
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
  /** Replaces an OTP or out-of-band factor's encrypted secret only if it is still `expected` (key rotation). */
  compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean>;
  /** Replaces the user's recovery codes; the old set is void at once. */
  replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void>;
  getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null>;
  /** Removes `hash` from the user's set if present; true for exactly one caller. */
  consumeRecoveryCode(userId: string, hash: string): Promise<boolean>;
  /** Removes every factor and the recovery codes of a user; the user record stays. */
  deleteUser(userId: string): Promise<void>;
  /** The user's record, or null when nothing was ever recorded. */
  getUser(userId: string): Promise<UserRecord | null>;
  /** Every user record (users with an exemption or a recorded proof), in no set order. */
  allUsers(): AsyncIterable<UserRecord>;
  /** Sets or, with null, lifts the user's exemption; answers whether one was there before. */
  setExemption(userId: string, exemption: Exemption | null): Promise<boolean>;
  /** Records the context of a successful proof, replacing the previous one. */
  recordProof(userId: string, context: ProofContext): Promise<void>;
}

/** Short-lived state with a time to live: sessions, pending enrollments, counters, used steps. */
export interface StateStore {
  get(key: string): Promise<string | null>;
  /**
   * Reads several keys in one step (one round trip): the values in the order of `keys`. The core
   * only ever asks for keys of one user, which share a Redis Cluster hash tag.
   */
  getMany(keys: string[]): Promise<(string | null)[]>;
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
