/**
 * The two storage contracts of mfakit. Every method is one atomic step: two racing requests can
 * never both win a consume, an advance or a compare-and-set. Implementations: the memory store
 * here, `@mfakit/redis` and `@mfakit/postgres`; all pass the conformance suite of
 * `@mfakit/testing`.
 */

/**
 * The hash algorithms of RFC 6238 that mfakit accepts (HMAC-SHA-1, -SHA-256, -SHA-512).
 * @see RFC 6238 section 1.2; RFC 4226 section 5
 */
export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

interface FactorBase {
  /** The factor id: `fac_` and 128 random bits (base64url); unique per user. */
  id: string;
  /** The user it belongs to. */
  userId: string;
  /** A name the user chose or the kind's default, e.g. "Authenticator app". */
  label: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/**
 * A time-based (RFC 6238) or counter-based (RFC 4226) one-time password factor.
 * @see RFC 6238; RFC 4226; NIST SP 800-63B 5.1.4 / 5.1.5 (OTP devices)
 */
export interface OtpFactorRecord extends FactorBase {
  /** `totp` (time-based) or `hotp` (counter-based). */
  kind: 'totp' | 'hotp';
  /**
   * The shared secret (base32, 160 bits), encrypted by the key ring and bound to the user and
   * factor (never plaintext): unreadable without the key that encrypted it.
   */
  secret: string;
  /** The HMAC hash the factor was enrolled with. */
  algorithm: OtpAlgorithm;
  /** Digits per code. */
  digits: 6 | 8;
  /** TOTP time step in seconds. */
  period: number;
  /** HOTP: the next counter value the authenticator may produce. */
  counter: number;
}

/**
 * A WebAuthn credential: a passkey or a security key.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-credential-record (the credential record)
 */
export interface WebAuthnFactorRecord extends FactorBase {
  /** Always `webauthn`. */
  kind: 'webauthn';
  /** The credential id, base64url. */
  credentialId: string;
  /** The COSE public key, base64url (public: no need to encrypt). */
  publicKey: string;
  /** The signature counter last seen; 0 for authenticators that do not count. */
  counter: number;
  /** How the browser can reach the authenticator (`usb`, `nfc`, `ble`, `internal`, `hybrid`, ...), as it reported them. */
  transports: string[];
  /** 'multiDevice' for a synced passkey, 'singleDevice' for a key bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** Whether the credential was backed up (synced) at registration. */
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros when attestation is 'none'). */
  aaguid: string;
  /**
   * `true` while the credential is disabled (its signature counter went backwards: it may be
   * cloned); refused until an administrator enables it again. Absent when enabled: stores omit it.
   * @see https://www.w3.org/TR/webauthn-3/#sctn-sign-counter (WebAuthn section 6.1.1)
   */
  disabled?: true;
}

/**
 * A factor that receives one-time codes by email or SMS: an out-of-band authenticator (NIST SP
 * 800-63B 5.1.3, where SMS is restricted (5.1.3.3) and email does not qualify (5.1.3.1)). The
 * code itself lives in the StateStore, encrypted, for `oob.codeTtl` (default ten minutes).
 */
export interface OobFactorRecord extends FactorBase {
  /** Always `oob`. */
  kind: 'oob';
  /** Where codes go: `email` or `sms`. */
  channel: 'email' | 'sms';
  /** The email address or phone number, encrypted by the key ring (it is personal data). */
  secret: string;
  /** The destination masked for display: 'a***@example.com', '+*********4567'. */
  hint: string;
  /** Unused (always 0): kept so every factor has a counter, as the stores do. */
  counter: number;
}

/**
 * A durable factor record, as the {@link FactorStore} keeps it. It holds no plaintext secret:
 * OTP secrets and destinations are encrypted, WebAuthn keeps a public key.
 */
export type FactorRecord = OtpFactorRecord | WebAuthnFactorRecord | OobFactorRecord;

/**
 * Whether a factor is a TOTP or HOTP factor.
 * @example
 * const otpFactors = (await store.listFactors(userId)).filter(isOtpFactor);
 */
export const isOtpFactor = (factor: FactorRecord): factor is OtpFactorRecord => factor.kind === 'totp' || factor.kind === 'hotp';
/**
 * Whether a factor receives codes by email or SMS.
 * @example
 * const phones = (await store.listFactors(userId)).filter(isOobFactor).filter((f) => f.channel === 'sms');
 */
export const isOobFactor = (factor: FactorRecord): factor is OobFactorRecord => factor.kind === 'oob';

/**
 * A set of recovery codes, stored only as salted slow hashes (scrypt): the codes themselves are
 * shown to the user once and never stored.
 * @see NIST SP 800-63B 5.1.2 (look-up secrets)
 */
export interface RecoveryCodeSet {
  /** Salt shared by the set's hashes (base64url); a new set has a new salt. */
  salt: string;
  /** The hashes of the codes not yet used (base64url). */
  hashes: string[];
  /** When the set was made (ms since the epoch). */
  createdAt: number;
}

/**
 * An exemption an administrator granted: the user passes every MFA check until `expiresAt`, when
 * it stops applying by itself. Both the reason and the expiry are required.
 */
export interface Exemption {
  /** Why, as the administrator wrote it (1 to 500 characters). */
  reason: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** Who granted it (the administrator's user id, or the tool that did). */
  grantedBy: string;
  /** When it was granted (ms since the epoch). */
  grantedAt: number;
}

/** Where and when the user last proved a factor: what risk decisions compare a request with. */
export interface ProofContext {
  /** Milliseconds since the epoch. */
  at: number;
  /** The client address of that proof, when known. */
  ip?: string;
  /** The User-Agent of that proof (at most 256 characters), when sent. */
  userAgent?: string;
}

/** What mfakit keeps of a user besides factors: an exemption and the last proof's context. */
export interface UserRecord {
  /** The user's id. */
  userId: string;
  /** The exemption granted, or null; an expired one may linger here and no longer applies. */
  exemption: Exemption | null;
  /** Where and when the user last proved a factor, or null before the first proof. */
  lastProof: ProofContext | null;
}

/** One swap of `FactorStore.compareAndSetSecrets`: the factor's secret becomes `next` only if it is still `expected`. */
export interface SecretSwap {
  /** The user the factor belongs to. */
  userId: string;
  /** The OTP or out-of-band factor. */
  factorId: string;
  /** The ciphertext the factor must still hold. */
  expected: string;
  /** The ciphertext that replaces it. */
  next: string;
}

/** What `FactorStore.createFactorWithRecoveryCodes` stored. */
export interface FactorWithCodesStored {
  /** The factor was stored (what `createFactor` answers: false for a WebAuthn credential id held already). */
  created: boolean;
  /** The recovery code set was stored (false when the factor was not, or the set held was not the one expected). */
  recoveryCodes: boolean;
}

/**
 * Durable records: factors, encrypted secrets, counters, recovery code hashes, user records.
 *
 * What must persist: everything here, across restarts and deploys, shared by every instance
 * (`@mfakit/postgres`). Losing it loses every enrolled factor and recovery code, and users must
 * enroll again; restoring an old backup rewinds HOTP counters, so codes used since can be used
 * again. The secrets in it are encrypted: back up the encryption keys separately.
 *
 * Implementations keep records as plain JSON-like data, hand out copies, and make each method
 * one atomic step; `@mfakit/testing`'s conformance suite checks them.
 *
 * @example
 * const factors = new PostgresFactorStore(pool); // a FactorStore
 * await factors.migrate();
 * const mfa = createMfa({ issuer: 'Acme', stores: { factors, state: new RedisStateStore(redis) } });
 */
export interface FactorStore {
  /**
   * Stores a new, confirmed factor as given (its secret encrypted already): true when stored.
   * False, storing nothing, for a WebAuthn credential whose `credentialId` a factor of any user
   * holds already (WebAuthn Level 3 section 7.1, step 26): of racing calls with one credential id,
   * exactly one stores it. The id is free again once that factor is deleted. Rejects, storing
   * nothing, a factor whose `id` the user has already (a second confirmation of one enrollment).
   */
  createFactor(factor: FactorRecord): Promise<boolean>;
  /** One factor of the user, or null (also for another user's factor id). */
  getFactor(userId: string, factorId: string): Promise<FactorRecord | null>;
  /** The user's factors, in no set order; `[]` for none. */
  listFactors(userId: string): Promise<FactorRecord[]>;
  /** Every factor of every user, for key rotation and reports. */
  allFactors(): AsyncIterable<FactorRecord>;
  /** Removes a factor; false when there was none. */
  deleteFactor(userId: string, factorId: string): Promise<boolean>;
  /** Sets an HOTP or WebAuthn signature counter to `next` only if it is still `expected` (never for a disabled credential). */
  compareAndSetCounter(userId: string, factorId: string, expected: number, next: number): Promise<boolean>;
  /**
   * Disables (`true`) or enables again (`false`) a WebAuthn credential of the user: true when that
   * changed its state, false when it was in that state already or the user has no such
   * credential. Of racing calls, exactly one changes it.
   */
  setFactorDisabled(userId: string, factorId: string, disabled: boolean): Promise<boolean>;
  /** Replaces an OTP or out-of-band factor's encrypted secret only if it is still `expected` (key rotation). */
  compareAndSetSecret(userId: string, factorId: string, expected: string, next: string): Promise<boolean>;
  /**
   * Optional: `compareAndSetSecret` for many factors in one step (one round trip, one commit),
   * each swap still conditional on its own `expected`: the number of secrets replaced. A factor
   * listed twice is replaced at most once. Key rotation uses it in batches when a store has it,
   * and calls `compareAndSetSecret` per factor otherwise.
   */
  compareAndSetSecrets?(swaps: readonly SecretSwap[]): Promise<number>;
  /** Replaces the user's recovery codes; the old set is void at once. */
  replaceRecoveryCodes(userId: string, set: RecoveryCodeSet): Promise<void>;
  /**
   * Replaces the user's recovery codes only if the set held is still the one with salt
   * `expectedSalt` (null: only if the user has none), in one step: true when `next` was stored.
   * Of racing first enrollments, exactly one issues a set.
   */
  compareAndSetRecoveryCodes(userId: string, expectedSalt: string | null, next: RecoveryCodeSet): Promise<boolean>;
  /**
   * `createFactor`, then, if it stored the factor, `compareAndSetRecoveryCodes` for its user, as one
   * atomic step: a first factor and its recovery codes are stored together, and a process that
   * dies midway leaves neither. `created` is what `createFactor` answers; `recoveryCodes`, whether
   * `next` was stored (false when the factor was not, or the set held was not the one expected).
   */
  createFactorWithRecoveryCodes(factor: FactorRecord, expectedSalt: string | null, next: RecoveryCodeSet): Promise<FactorWithCodesStored>;
  /** The user's recovery code set, or null when none was made. */
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

/**
 * Short-lived state with a time to live: sessions, pending enrollments, counters, used steps.
 * Keys are strings that carry the user in braces (a Redis Cluster hash tag, e.g.
 * `session:{alice}:<hash>`); values are opaque strings; every entry expires by itself.
 *
 * What must persist: every instance must share it (`@mfakit/redis`), or sessions, locks and
 * replay guards hold per process only. It may lose data without losing a factor: losing it ends
 * every session, pending enrollment and sent code, and resets the throttle and the marks of
 * used TOTP steps (a code accepted just before could then be accepted once more in its window).
 * A store that fails must throw or reject: the core then denies with 503 (fail closed).
 *
 * @example
 * const state = new RedisStateStore(new Redis(process.env.REDIS_URL!)); // a StateStore
 * const mfa = createMfa({ issuer: 'Acme', stores: { factors, state } });
 */
export interface StateStore {
  /** The value, or null when the key is absent or expired. */
  get(key: string): Promise<string | null>;
  /**
   * Reads several keys in one step (one round trip): the values in the order of `keys`. The core
   * only ever asks for keys of one user, which share a Redis Cluster hash tag. Every MFA check
   * on a live session calls it (and, once a minute, `set` to note the session's use): a store in
   * the process's memory may answer at once, without a Promise, and the check then runs to its
   * end without an await.
   */
  getMany(keys: string[]): Promise<(string | null)[]> | (string | null)[];
  /** Stores a value for `ttlMs` milliseconds, replacing any. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores a value only if the key is absent; true when stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Reads and deletes in one step: one caller gets the value, the others null. */
  consume(key: string): Promise<string | null>;
  /** Removes the key; nothing happens when it is absent. */
  delete(key: string): Promise<void>;
  /** Adds one and returns the new count; the TTL is set when the key is created, not extended. */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Adds one to the counter `key` unless one of the keys in `unless` exists, in one atomic step:
   * the new count, or null when one of them exists (and nothing was counted). The TTL is set when
   * the counter is created, as with `increment`. The account throttle's "refuse if locked, else
   * count": no request on any instance can count (and be checked) after a lock was set. The core
   * only passes keys of one user, which share a Redis Cluster hash tag.
   */
  incrementUnless(key: string, ttlMs: number, unless: string[]): Promise<number | null>;
  /**
   * Stores `value` if the key is absent or holds a smaller number, and returns whether it did:
   * the replay guard ("accept step T only if T is greater than the last one accepted").
   */
  advance(key: string, value: number, ttlMs: number): Promise<boolean>;
  /**
   * A table made for MFA sessions, which a store in the process's memory may offer (the
   * {@link MemoryStore} does; `@mfakit/redis` does not). When a state store has one, the core keeps
   * its sessions there, packed, instead of as JSON under `session:` keys; the revocation marks and
   * everything else stay keys. A wrapper around a store should either forward it along with the
   * methods or leave it out, in which case the core keeps sessions as keys of the wrapper.
   */
  readonly sessions?: SessionTable;
}

/**
 * An MFA session as a {@link SessionTable} keeps it: what the core judges a request on. The token
 * is not in it.
 * @see NIST SP 800-63B 7.1 (session bindings)
 */
export interface StoredSession {
  /** The user the session belongs to. */
  userId: string;
  /** RFC 8176 method -> time of the last proof with it (ms). */
  methods: Readonly<Record<string, number>>;
  /** The factor that made the last proof. */
  factorId: string;
  /** Time of the last proof of any factor (ms): what step-up windows are judged against. */
  authTime: number;
  /**
   * When the proof that issued this record began to be checked (ms): a revocation
   * (`mfa.admin.revokeUser`, removing a factor) voids the sessions created up to then, so a proof that
   * was under way while a factor went cannot open a session that outlives it.
   */
  createdAt: number;
  /** Absolute end (ms); the idle timeout may end it sooner. */
  expiresAt: number;
  /** Last use (ms), kept to a minute's precision to spare the store a write on every request. */
  seenAt: number;
}

/**
 * Sessions by id, each with a time to live, in the memory of the process: the optional
 * {@link StateStore.sessions}. Every method answers at once (no Promise), so a check on a live
 * session runs without an await, and each is atomic on Node's single thread. The core makes the
 * id from the session token and the user id, a SHA-256 digest given as its 32 bytes in a string of
 * 32 characters (`crypto.hash('sha256', data, 'binary')`): the table keeps neither the token nor
 * the user id, and a token presented for another user names another id. Records are copied in
 * and out.
 *
 * @example
 * const table = new MemoryStore().sessions;
 * table.set(id, session, 15 * 60_000);
 * table.get(id, session.userId); // a copy of `session`, until its time to live is over
 */
export interface SessionTable {
  /** Stores a session under `id` for `ttlMs` milliseconds, replacing any. Throws for an id that is not 32 characters of 0 to 255. */
  set(id: string, session: StoredSession, ttlMs: number): void;
  /**
   * The session under `id`, the id being `userId`'s, or null when it is absent, its time to live
   * is over, or a revocation of the user's sessions voids it (see `revoke`). The table need not
   * keep the user id: the record answered carries `userId`.
   */
  get(id: string, userId: string): StoredSession | null;
  /** Removes the session under `id`, leaving nothing of it readable; nothing happens when it is absent. */
  delete(id: string): void;
  /**
   * Voids every session of the user created (`createdAt`) at or before `at` (ms), stored already
   * or stored later, except the one under `keep` when given, for `ttlMs` milliseconds (as long as
   * a session can live). A later revocation of the user replaces it.
   */
  revoke(userId: string, at: number, keep: string | undefined, ttlMs: number): void;
}
