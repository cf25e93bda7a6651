import type { AcrOptions } from './acr';
import type { Clock } from './clock';
import type { MfaEvent } from './events';
import type { Duration } from './lib/duration';
import type { RandomBytes } from './lib/random';
import type { MfaLogger } from './logger';
import type { Notifications } from './notifications';
import type { MfaPolicy } from './policy';
import type { MfaUser } from './request';
import type { EncryptionKey } from './secrets/keyRing';
import type { FactorStore, OtpAlgorithm, StateStore } from './store/types';

/**
 * The options of {@link createMfa}. Only `issuer` is required; every other has a safe default.
 * All are checked once, at construction: a bad one throws `MfaError` `invalid_option`.
 *
 * What the application must keep: the `encryptionKeys` (in a secret store; every key that still
 * has secrets under it), and a durable `stores.factors` shared by every instance (factors and
 * their encrypted secrets, counters, recovery-code hashes, exemptions), with a `stores.state`
 * shared by every instance too (sessions, locks, used codes). The default memory store keeps all
 * of it in one process and loses it on restart: development only.
 *
 * @example
 * const mfa = createMfa({
 *   issuer: 'Acme',
 *   encryptionKeys: process.env.MFA_ENCRYPTION_KEYS, // 'k1:<32 bytes, base64>'
 *   stores: { factors: new PostgresFactorStore(pool), state: new RedisStateStore(redis) },
 *   webauthn: { rpID: 'example.com', rpName: 'Acme', origins: ['https://app.example.com'] },
 *   policy: { required: { roles: ['admin'] } },
 * });
 */
export interface MfaOptions {
  /** Shown in authenticator apps and put in every `otpauth://` URI; no colon (Key URI Format). */
  issuer: string;
  /**
   * Where factors and short-lived state live: `factors`, a {@link FactorStore} that must be
   * durable (e.g. `@mfakit/postgres`), and `state`, a {@link StateStore} with expiry (e.g.
   * `@mfakit/redis`). Every instance of the application must share both.
   * @defaultValue one {@link MemoryStore} for whichever is left out (development only)
   */
  stores?: { factors?: FactorStore; state?: StateStore };
  /**
   * Keys that encrypt secrets at rest with AES-256-GCM (TOTP and HOTP secrets, email addresses
   * and phone numbers, codes sent): `'kid:base64key,...'` (see {@link parseEncryptionKeys}) or a
   * list of {@link EncryptionKey}, the first one current. Persist them outside the database and
   * give every instance the same list: a lost key makes every secret under it unreadable
   * (`secret_undecryptable`), and those users must enroll again. Rotate with `mfa.admin.rotateKeys()`.
   * @defaultValue none: an ephemeral key made for the process with a loud warning (every factor
   * breaks on restart), or `MfaError` `encryption_key_required` when `NODE_ENV=production`
   */
  encryptionKeys?: string | EncryptionKey[];
  /**
   * How new TOTP factors are made, and how codes are checked. `algorithm` and `digits` apply to
   * new HOTP factors too; a factor keeps the algorithm, digits and period it was enrolled with.
   * @see RFC 6238 (TOTP); NIST SP 800-63B 5.1.4.2 and 5.1.5.2 (OTP verifiers: each code accepted once)
   */
  totp?: {
    /** The HMAC hash of new factors. @defaultValue `'sha1'` (what every authenticator app supports) */
    algorithm?: OtpAlgorithm;
    /** Digits per code. @defaultValue `6` */
    digits?: 6 | 8;
    /** Time step in seconds, an integer from 15 to 120. @defaultValue `30` (RFC 6238 section 5.2) */
    period?: number;
    /** Steps accepted either side of now, for clock drift: an integer from 0 to 5. @defaultValue `1` (RFC 6238 section 5.2) */
    window?: number;
  };
  /**
   * How HOTP codes are checked.
   * @see RFC 4226 (HOTP)
   */
  hotp?: {
    /** Counter values accepted ahead of the stored one: an integer from 0 to 100. @defaultValue `10` (RFC 4226 section 7.4) */
    lookAhead?: number;
  };
  /**
   * Passkeys and security keys (WebAuthn Level 3). Without it the WebAuthn routes answer 404.
   * @see https://www.w3.org/TR/webauthn-3/
   */
  webauthn?: WebAuthnOptions;
  /** How long an unconfirmed TOTP, HOTP, email or SMS enrollment waits. @defaultValue `'10m'` */
  enrollmentTtl?: Duration;
  /**
   * MFA sessions: a proof issues a random token (256 bits) that the client sends back in
   * `X-Session-Token` or the `mfa_session` cookie; the state store keeps only its SHA-256 hash.
   * @see NIST SP 800-63B 7.1 (session bindings) and 7.2 (reauthentication)
   */
  session?: {
    /** Absolute lifetime of an MFA session. @defaultValue `'12h'` (NIST SP 800-63B 7.2, AAL2) */
    lifetime?: Duration;
    /** A session unused for this long ends. @defaultValue `'30m'` (NIST SP 800-63B 7.2, AAL2) */
    idleTimeout?: Duration;
  };
  /**
   * How recent a proof must be to add a further factor, remove one or regenerate recovery codes
   * (and, by default, for the admin routes). @defaultValue `'5m'`
   * @see NIST SP 800-63B 7.2 (reauthentication)
   */
  freshProofMaxAge?: Duration;
  /**
   * The account throttle: failed proofs of all the user's factors together, counted in the state
   * store so that it holds across instances. Reaching `maxFailures` within `window` locks the
   * account for the next `backoff` step; while locked even a right code is refused (429
   * `mfa_locked`, with `Retry-After`). A success clears the count and the backoff.
   *
   * Beyond the lock, failures since the last success are counted without a window: past
   * `maxConsecutiveFailures` codes (TOTP, HOTP, email, SMS) are refused (403
   * `mfa_codes_disabled`) until the user signs in with a recovery code or a passkey, or an
   * administrator unlocks the account (`mfa.admin.unlockUser`); the user and the administrators are told
   * at a fifth of the limit and at the limit. Passkeys and security keys cannot be guessed: they
   * are neither counted nor locked. And failures are counted per client address (`perAddress`),
   * across all accounts, so one address cannot guess at many.
   * @see NIST SP 800-63B 5.2.2 (rate limiting: at most 100 consecutive failures)
   */
  throttle?: {
    /** Failed attempts, all factors together, that lock the account: an integer from 1 to 100. @defaultValue `3` */
    maxFailures?: number;
    /** The span in which failures add up. @defaultValue `'5m'` */
    window?: Duration;
    /** Successive lock durations; the last repeats. @defaultValue `['30s', '1m', '2m', '5m']` */
    backoff?: Duration[];
    /** Failed codes since the last success after which codes are refused: an integer from 5 to 100. @defaultValue `50` (NIST SP 800-63B 5.2.2 caps it at 100) */
    maxConsecutiveFailures?: number;
    /**
     * Failed proofs from one client address (an IPv6 /56), all accounts together, within `window`,
     * after which that address is refused (429 `rate_limited`) until the window ends; `false` to
     * count none. Requests whose address the adapter does not know are not counted.
     * @defaultValue `{ maxFailures: 100, window: '15m' }`
     */
    perAddress?: { maxFailures?: number; window?: Duration } | false;
  };
  /**
   * Users who need no MFA at all, ever (service accounts): they pass every check. For people, grant
   * an exemption with a reason and an expiry instead (`mfa.admin.grantExemption`). Called on every
   * check, so keep it fast. @defaultValue none: nobody is exempt this way
   */
  exempt?: (user: MfaUser) => boolean | Promise<boolean>;
  /**
   * Codes by email or SMS, through the application's sender. Without it those routes answer 404.
   * @see NIST SP 800-63B 5.1.3 (out-of-band devices): SMS is a restricted authenticator there
   * (5.1.3.3), and email does not count as out-of-band (5.1.3.1)
   */
  oob?: OobOptions;
  /**
   * The cost of hashing recovery codes: log2 of scrypt's N, an integer from 1 to 17. Below the
   * default it is UNSAFE (a stolen database's hashes are cheaper to attack): lower it only in
   * tests, where every enrollment hashes ten codes. Each set keeps the cost it was made with.
   * @defaultValue `13` (N = 8192: about 15 ms a code)
   * @see NIST SP 800-63B 5.1.2.2 (look-up secret verifiers)
   */
  recoveryCodeCost?: number;
  /**
   * The ACR values (assurance levels) that step-up challenges ask for and that an upstream SSO's
   * `acr` claim is read by (`policy.trustedAcr`): see {@link AcrOptions}.
   * @defaultValue `{ values: DEFAULT_ACR_VALUES }`: `phrh` for `['hwk']`, `phr` for `['hwk', 'swk']`
   * @see RFC 9470 sections 3 and 4; OpenID Connect EAP ACR Values 1.0
   */
  acr?: AcrOptions;
  /** Who must use MFA, a grace period, upstream SSO trust, a risk hook. @defaultValue everyone must use MFA */
  policy?: MfaPolicy;
  /** Tells users (and administrators) about changes to their account; see {@link Notifications}. @defaultValue no notices */
  notify?: Notifications;
  /** The account name shown in authenticator apps and passkey prompts. @defaultValue the user id */
  accountName?: (user: MfaUser) => string;
  /** Receives every audit event ({@link MfaEvent}); exceptions it throws are logged and ignored. @defaultValue none */
  onEvent?: (event: MfaEvent) => void;
  /** Where warnings and failures go. @defaultValue `console.warn` and `console.error`, each line prefixed `[mfakit]` */
  logger?: MfaLogger;
  /** The time source. @defaultValue {@link systemClock} */
  clock?: Clock;
  /** The source of every secret, code, token and id. @defaultValue Node's `crypto.randomBytes` */
  randomBytes?: RandomBytes;
}

/**
 * The relying party that passkeys are bound to, and what it asks of authenticators. Checked at
 * construction: `rpID` must be a domain name and every origin must lie on it or a subdomain.
 *
 * @example
 * createMfa({
 *   issuer: 'Acme',
 *   webauthn: { rpID: 'example.com', rpName: 'Acme', origins: ['https://app.example.com'], userVerification: 'required' },
 * });
 * @see https://www.w3.org/TR/webauthn-3/ (W3C Web Authentication Level 3)
 */
export interface WebAuthnOptions {
  /** The relying party id: the site's registrable domain, e.g. 'example.com' ('localhost' in development). */
  rpID: string;
  /** The name authenticators show, e.g. 'Acme'. */
  rpName: string;
  /** The origins pages may register and sign in from, e.g. ['https://app.example.com']. */
  origins: string | string[];
  /**
   * The top-level origins allowed to embed one of `origins` in a cross-origin iframe that runs a
   * ceremony, e.g. ['https://partner.example.net']. A response whose clientData says
   * `crossOrigin: true` is refused (`webauthn_verification_failed`) unless its `topOrigin` is one
   * of these; so is one with a `topOrigin` and no `crossOrigin: true`. Each must be an origin
   * (`scheme://host[:port]`), on any domain. @defaultValue `[]` (no embedded ceremonies)
   * @see https://www.w3.org/TR/webauthn-3/#dom-collectedclientdata-toporigin (WebAuthn Level 3 `topOrigin`)
   */
  topOrigins?: string[];
  /**
   * Whether the authenticator must verify the user (PIN, biometric); with `'required'` a response
   * without user verification is refused. @defaultValue `'preferred'`
   */
  userVerification?: 'required' | 'preferred' | 'discouraged';
  /** The attestation to ask for; 'direct' has the statement checked (no trust anchors). @defaultValue `'none'` */
  attestation?: 'none' | 'direct';
  /** Whether to ask for a discoverable credential (a passkey). @defaultValue `'preferred'` */
  residentKey?: 'required' | 'preferred' | 'discouraged';
  /**
   * Let a user-verified WebAuthn proof (a passkey unlocked with a PIN or biometric) count as
   * multi-factor on its own: its session gets the RFC 8176 value `mfa`, which a route can demand
   * with `methods: ['mfa']`. @defaultValue `false`
   */
  userVerifiedIsMfa?: boolean;
}

/** What the application's sender delivers: a code, to an address or phone number, for a user. */
export interface OobMessage {
  /** How to deliver it: `email` or `sms`. */
  channel: 'email' | 'sms';
  /** The email address or the phone number (E.164). */
  to: string;
  /** Six digits, valid for `oob.codeTtl` and once. */
  code: string;
  /** The user the code is for. */
  userId: string;
  /** Whether the code confirms a new factor or proves an enrolled one. */
  purpose: 'enrollment' | 'verification';
}

/**
 * Codes by email or SMS. Without this option the email, SMS and challenge routes answer 404.
 * Codes are six random digits, stored encrypted for `codeTtl` and accepted once.
 *
 * @example
 * createMfa({
 *   issuer: 'Acme',
 *   oob: { send: ({ channel, to, code }) => (channel === 'email' ? mailer.send(to, `Your code: ${code}`) : sms.send(to, code)) },
 * });
 * @see NIST SP 800-63B 5.1.3 (out-of-band): SMS is a restricted authenticator there (5.1.3.3),
 *   and email does not count as out-of-band (5.1.3.1)
 */
export interface OobOptions {
  /**
   * Delivers a code (an email, an SMS); the code must not be logged. An error (thrown or
   * rejected) makes the request answer 503.
   */
  send: (message: OobMessage) => void | Promise<void>;
  /** Codes sent per factor within `sendWindow`: an integer from 1 to 20; more are refused with 429 `rate_limited`. @defaultValue `3` */
  maxSends?: number;
  /** The span in which `maxSends` counts, from the first code sent. @defaultValue `'10m'` */
  sendWindow?: Duration;
  /**
   * Codes sent to all of one user's addresses and numbers (enrollments included) in 24 hours: an
   * integer from 1 to 1000; more are refused with 429 `rate_limited`. Bounds what one account
   * costs in SMS (SMS pumping). @defaultValue `20`
   */
  maxSendsPerUser?: number;
  /**
   * Codes sent to one address or number, whoever asks, in 24 hours: an integer from 1 to 1000;
   * more are refused with 429 `rate_limited`. Stops many accounts flooding one destination.
   * @defaultValue `10`
   */
  maxSendsPerDestination?: number;
  /** How long a sent code is valid. @defaultValue `'10m'` (NIST SP 800-63B 5.1.3.2 asks for a short one) */
  codeTtl?: Duration;
}
