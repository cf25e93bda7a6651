import { describe } from './lib/describe';
import { type Clock, systemClock } from './clock';
import { MfaError } from './errors';
import type { MfaEvent } from './events';
import { type Duration, toMs } from './lib/duration';
import { defaultRandomBytes, type RandomBytes } from './lib/random';
import { type Notifications, notifier } from './notifications';
import type { OobOptions } from './oob/oob';
import { type MfaPolicy, type ResolvedPolicy, resolvePolicy } from './policy';
import { DEFAULT_RECOVERY_CODE_COST } from './recovery/recoveryCodes';
import { type EncryptionKey, KeyRing, parseEncryptionKeys } from './secrets/keyRing';
import { MemoryStore } from './store/memoryStore';
import type { FactorStore, OtpAlgorithm, StateStore } from './store/types';

/**
 * The user the application's primary authentication established, as the adapters hand it to the
 * core (by default {@link mfaUserOf} of passport's `req.user` or Koa's `ctx.state.user`). mfakit
 * keys all its state on `id`.
 *
 * @example
 * const user: MfaUser = { id: 'u_42', roles: ['admin'], amr: ['pwd'], authTime: 1767225600 };
 */
export interface MfaUser {
  /** The user's stable id, 1 to 256 characters; without a usable one a request answers 401 `authentication_required`. */
  id: string;
  /** The user's roles, for `policy.required: { roles }`. */
  roles?: string[];
  /** RFC 8176 methods of the primary authentication (e.g. an SSO's ID token), for `policy.trustedAmr`. */
  amr?: string[];
  /** When the primary authentication happened, in seconds since the epoch (OIDC `auth_time`). */
  authTime?: number;
}

/**
 * Where mfakit writes its warnings and failures; never a secret, a code or a token.
 *
 * @example
 * createMfa({ issuer: 'Acme', logger: { warn: (m) => log.warn(m), error: (m) => log.error(m) } });
 */
export interface MfaLogger {
  /** Something to fix that does not stop service, e.g. running on an ephemeral encryption key. */
  warn(message: string): void;
  /** A failure: a store that threw (the request was denied with 503), a hook that threw. */
  error(message: string): void;
}

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
   * (`secret_undecryptable`), and those users must enroll again. Rotate with `mfa.rotateKeys()`.
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
   * administrator unlocks the account (`mfa.unlockUser`); the user and the administrators are told
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
   * an exemption with a reason and an expiry instead (`mfa.grantExemption`). Called on every
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

/**
 * Options with every default filled in and every value checked: what the core reads, as
 * `mfa.options`. Durations are in milliseconds (`...Ms`), except `totp.period` (seconds). Adapters
 * read it for the `logger`, the `clock` and the stores; treat it as read-only.
 */
export interface ResolvedOptions {
  /** {@link MfaOptions.issuer}, trimmed. */
  issuer: string;
  /** The durable store: the one given, or the default {@link MemoryStore}. */
  factors: FactorStore;
  /** The short-lived store: the one given, or the default {@link MemoryStore}. */
  state: StateStore;
  /** The keys of {@link MfaOptions.encryptionKeys} (or the ephemeral one), ready to encrypt and decrypt. */
  keyRing: KeyRing;
  /** `algorithm`, `digits`, `period` (seconds) and `window` (steps), as {@link MfaOptions.totp}. */
  totp: { algorithm: OtpAlgorithm; digits: 6 | 8; period: number; window: number };
  /** `lookAhead`, as {@link MfaOptions.hotp}. */
  hotp: { lookAhead: number };
  /** {@link WebAuthnOptions} with every default filled in, `origins` as a list and `topOrigins` (`[]` by default); null when WebAuthn is off. */
  webauthn: (Required<Omit<WebAuthnOptions, 'origins' | 'topOrigins'>> & { origins: string[]; topOrigins: string[] }) | null;
  /** The `send` hook, `maxSends`, `sendWindowMs` and `codeTtlMs` of {@link OobOptions}; null when codes by email or SMS are off. */
  oob: { send: OobOptions['send']; maxSends: number; sendWindowMs: number; maxSendsPerUser: number; maxSendsPerDestination: number; codeTtlMs: number } | null;
  /** {@link MfaOptions.enrollmentTtl} in milliseconds. */
  enrollmentTtlMs: number;
  /** `lifetimeMs` and `idleTimeoutMs` of {@link MfaOptions.session}. */
  session: { lifetimeMs: number; idleTimeoutMs: number };
  /** {@link MfaOptions.freshProofMaxAge} in milliseconds. */
  freshProofMaxAgeMs: number;
  /** {@link MfaOptions.recoveryCodeCost}: log2 of scrypt's N. */
  recoveryCodeCost: number;
  /**
   * `maxFailures`, `windowMs`, `backoffMs` (one per step), `maxConsecutiveFailures` and
   * `perAddress` (null when off) of {@link MfaOptions.throttle}.
   */
  throttle: {
    maxFailures: number;
    windowMs: number;
    backoffMs: number[];
    maxConsecutiveFailures: number;
    perAddress: { maxFailures: number; windowMs: number } | null;
  };
  /** {@link MfaOptions.exempt}, or a function that answers false. */
  exempt: (user: MfaUser) => boolean | Promise<boolean>;
  /** {@link MfaOptions.policy}, checked and with its defaults. */
  policy: ResolvedPolicy;
  /** {@link MfaOptions.accountName}, or the user id. */
  accountName: (user: MfaUser) => string;
  /** Hands an audit event to `onEvent` and the `notify` hooks; never throws. */
  emit: (event: MfaEvent) => void;
  /** {@link MfaOptions.logger}, or the console. */
  logger: MfaLogger;
  /** {@link MfaOptions.clock}, or {@link systemClock}. */
  clock: Clock;
  /** {@link MfaOptions.randomBytes}, or `crypto.randomBytes`. */
  randomBytes: RandomBytes;
}

const ALGORITHMS: readonly OtpAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const MAX_PERIOD_SECONDS = 120; // longer steps leave a stolen code valid too long
const MIN_PERIOD_SECONDS = 15;
const MAX_WINDOW = 5;
const MAX_LOOK_AHEAD = 100;
const MAX_FAILURES_CAP = 100; // NIST SP 800-63B 5.2.2: at most 100 consecutive failures
const MAX_RECOVERY_CODE_COST = 17; // N = 2^17 (OWASP's minimum for passwords) takes 128 MiB a hash
const MIN_CONSECUTIVE_FAILURES = 5; // fewer would let a few typos cut a user off from codes

const consoleLogger: MfaLogger = {
  warn: (message) => console.warn(`[mfakit] ${message}`),
  error: (message) => console.error(`[mfakit] ${message}`),
};

function invalid(message: string): never {
  throw new MfaError('invalid_option', message);
}

function integerIn(value: unknown, min: number, max: number, option: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${option} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalFunction<T>(value: T | undefined, option: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') invalid(`${option} must be a function`);
  return value;
}

/** Fills in the defaults and validates every option once, at construction. */
export function resolveOptions(options: MfaOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('createMfa needs an options object');
  const { issuer } = options;
  if (typeof issuer !== 'string' || issuer.trim() === '') invalid('issuer is required: the name authenticator apps show');
  if (issuer.includes(':')) invalid('issuer must not contain a colon (Key URI Format)');

  const totp = options.totp ?? {};
  const algorithm = totp.algorithm ?? 'sha1';
  if (!ALGORITHMS.includes(algorithm)) invalid(`totp.algorithm must be one of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
  const digits = totp.digits ?? 6;
  if (digits !== 6 && digits !== 8) invalid(`totp.digits must be 6 or 8, got ${JSON.stringify(digits)}`);

  const logger = options.logger ?? consoleLogger;
  const clock = options.clock ?? systemClock;
  const randomBytes = optionalFunction(options.randomBytes, 'randomBytes') ?? defaultRandomBytes;
  const memory = !options.stores?.factors || !options.stores?.state ? new MemoryStore({ clock }) : undefined;
  const onEvent = optionalFunction(options.onEvent, 'onEvent');
  const notify = notifier(options.notify, logger);

  const throttle = options.throttle ?? {};
  const backoff = throttle.backoff ?? ['30s', '1m', '2m', '5m'];
  if (!Array.isArray(backoff) || backoff.length === 0) invalid('throttle.backoff must be a non-empty list of durations');
  const perAddress = throttle.perAddress ?? {};
  if (perAddress !== false && (perAddress === null || typeof perAddress !== 'object')) invalid('throttle.perAddress must be { maxFailures, window } or false');

  const resolved: ResolvedOptions = {
    issuer: issuer.trim(),
    factors: options.stores?.factors ?? memory!,
    state: options.stores?.state ?? memory!,
    keyRing: new KeyRing(resolveKeys(options.encryptionKeys, logger, randomBytes), randomBytes),
    totp: {
      algorithm,
      digits,
      period: integerIn(totp.period ?? 30, MIN_PERIOD_SECONDS, MAX_PERIOD_SECONDS, 'totp.period'),
      window: integerIn(totp.window ?? 1, 0, MAX_WINDOW, 'totp.window'),
    },
    hotp: { lookAhead: integerIn(options.hotp?.lookAhead ?? 10, 0, MAX_LOOK_AHEAD, 'hotp.lookAhead') },
    webauthn: options.webauthn === undefined ? null : resolveWebAuthn(options.webauthn),
    oob: options.oob === undefined ? null : resolveOob(options.oob),
    enrollmentTtlMs: toMs(options.enrollmentTtl ?? '10m', 'enrollmentTtl'),
    session: {
      lifetimeMs: toMs(options.session?.lifetime ?? '12h', 'session.lifetime'),
      idleTimeoutMs: toMs(options.session?.idleTimeout ?? '30m', 'session.idleTimeout'),
    },
    freshProofMaxAgeMs: toMs(options.freshProofMaxAge ?? '5m', 'freshProofMaxAge'),
    recoveryCodeCost: integerIn(options.recoveryCodeCost ?? DEFAULT_RECOVERY_CODE_COST, 1, MAX_RECOVERY_CODE_COST, 'recoveryCodeCost'),
    throttle: {
      maxFailures: integerIn(throttle.maxFailures ?? 3, 1, MAX_FAILURES_CAP, 'throttle.maxFailures'),
      windowMs: toMs(throttle.window ?? '5m', 'throttle.window'),
      backoffMs: backoff.map((d, i) => toMs(d, `throttle.backoff[${i}]`)),
      maxConsecutiveFailures: integerIn(throttle.maxConsecutiveFailures ?? 50, MIN_CONSECUTIVE_FAILURES, MAX_FAILURES_CAP, 'throttle.maxConsecutiveFailures'),
      perAddress:
        perAddress === false
          ? null
          : {
              maxFailures: integerIn(perAddress.maxFailures ?? 100, 1, 1_000_000, 'throttle.perAddress.maxFailures'),
              windowMs: toMs(perAddress.window ?? '15m', 'throttle.perAddress.window'),
            },
    },
    exempt: optionalFunction(options.exempt, 'exempt') ?? (() => false),
    policy: resolvePolicy(options.policy),
    accountName: optionalFunction(options.accountName, 'accountName') ?? ((user) => user.id),
    emit: (event) => {
      try {
        onEvent?.(event);
      } catch (err) {
        logger.error(`onEvent threw on ${event.type}: ${describe(err)}`);
      }
      notify(event);
    },
    logger,
    clock,
    randomBytes,
  };
  for (const [name, ms] of [
    ['freshProofMaxAge', resolved.freshProofMaxAgeMs],
    ...resolved.throttle.backoffMs.map((ms, i) => [`throttle.backoff[${i}]`, ms] as const),
    ['enrollmentTtl', resolved.enrollmentTtlMs],
    ['session.lifetime', resolved.session.lifetimeMs],
    ['session.idleTimeout', resolved.session.idleTimeoutMs],
    ['throttle.window', resolved.throttle.windowMs],
  ] as const) {
    if (ms < 1000) invalid(`${name} must be at least one second`);
  }
  return resolved;
}

function resolveKeys(keys: MfaOptions['encryptionKeys'], logger: MfaLogger, random: RandomBytes): EncryptionKey[] {
  if (typeof keys === 'string' && keys.trim() !== '') return parseEncryptionKeys(keys);
  if (Array.isArray(keys) && keys.length > 0) return keys;
  if (keys !== undefined && keys !== '' && !Array.isArray(keys)) invalid("encryptionKeys must be 'kid:base64key,...' or a list of { id, key }");
  if (process.env.NODE_ENV === 'production') {
    throw new MfaError('encryption_key_required', 'NODE_ENV=production needs encryptionKeys (e.g. MFA_ENCRYPTION_KEYS=k1:<32 bytes, base64>)');
  }
  logger.warn(
    '!!! No encryptionKeys: TOTP secrets are encrypted under an EPHEMERAL key made for this process. ' +
      'Every enrolled factor becomes unusable when it restarts. Development only; set encryptionKeys in production. !!!',
  );
  return [{ id: 'ephemeral', key: random(32) }];
}

function resolveOob(oob: OobOptions): NonNullable<ResolvedOptions['oob']> {
  if (oob === null || typeof oob !== 'object' || typeof oob.send !== 'function') invalid('oob needs send(message), a function that delivers the code');
  return {
    send: oob.send,
    maxSends: integerIn(oob.maxSends ?? 3, 1, 20, 'oob.maxSends'),
    sendWindowMs: toMs(oob.sendWindow ?? '10m', 'oob.sendWindow'),
    maxSendsPerUser: integerIn(oob.maxSendsPerUser ?? 20, 1, 1000, 'oob.maxSendsPerUser'),
    maxSendsPerDestination: integerIn(oob.maxSendsPerDestination ?? 10, 1, 1000, 'oob.maxSendsPerDestination'),
    codeTtlMs: toMs(oob.codeTtl ?? '10m', 'oob.codeTtl'),
  };
}

const REQUIREMENTS = ['required', 'preferred', 'discouraged'] as const;

function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], fallback: T, option: string): T {
  const chosen = value ?? fallback;
  if (!allowed.includes(chosen)) invalid(`${option} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return chosen;
}

function resolveWebAuthn(options: WebAuthnOptions): NonNullable<ResolvedOptions['webauthn']> {
  if (options === null || typeof options !== 'object') invalid('webauthn must be an object with rpID, rpName and origins');
  const { rpID, rpName } = options;
  if (typeof rpID !== 'string' || !/^[a-z0-9.-]+$/i.test(rpID)) invalid(`webauthn.rpID must be a domain name such as 'example.com', got ${JSON.stringify(rpID)}`);
  if (typeof rpName !== 'string' || rpName.trim() === '') invalid('webauthn.rpName is required: the name authenticators show');
  const origins = typeof options.origins === 'string' ? [options.origins] : options.origins;
  if (!Array.isArray(origins) || origins.length === 0) invalid('webauthn.origins must list at least one origin');
  // An origin as a URL: scheme://host[:port] exactly (no path, no trailing slash); undefined otherwise.
  const asOrigin = (origin: unknown): URL | undefined => {
    try {
      const url = new URL(origin as string);
      return typeof origin === 'string' && url.origin === origin ? url : undefined;
    } catch {
      return undefined;
    }
  };
  for (const origin of origins) {
    const url = asOrigin(origin);
    // WebAuthn section 13.4.9: an origin's host must be the RP id or a subdomain of it.
    if (!url || !(url.hostname === rpID || url.hostname.endsWith(`.${rpID}`))) {
      invalid(`webauthn.origins: ${JSON.stringify(origin)} must be an origin (scheme://host[:port]) on ${rpID} or a subdomain of it`);
    }
  }
  // The pages that embed ours may be on any domain: no RP-id rule for them.
  const topOrigins = options.topOrigins ?? [];
  if (!Array.isArray(topOrigins)) invalid('webauthn.topOrigins must be a list of origins');
  for (const origin of topOrigins) {
    if (!asOrigin(origin)) invalid(`webauthn.topOrigins: ${JSON.stringify(origin)} must be an origin (scheme://host[:port])`);
  }
  if (options.userVerifiedIsMfa !== undefined && typeof options.userVerifiedIsMfa !== 'boolean') invalid('webauthn.userVerifiedIsMfa must be a boolean');
  return {
    rpID,
    rpName: rpName.trim(),
    origins: [...origins],
    topOrigins: [...topOrigins],
    userVerification: oneOf(options.userVerification, REQUIREMENTS, 'preferred', 'webauthn.userVerification'),
    attestation: oneOf(options.attestation, ['none', 'direct'] as const, 'none', 'webauthn.attestation'),
    residentKey: oneOf(options.residentKey, REQUIREMENTS, 'preferred', 'webauthn.residentKey'),
    userVerifiedIsMfa: options.userVerifiedIsMfa ?? false,
  };
}
