import { type Clock, systemClock } from './clock';
import { MfaError } from './errors';
import type { MfaEvent } from './events';
import { type Duration, toMs } from './lib/duration';
import { defaultRandomBytes, type RandomBytes } from './lib/random';
import { type Notifications, notifier } from './notifications';
import type { OobOptions } from './oob/oob';
import { type MfaPolicy, type ResolvedPolicy, resolvePolicy } from './policy';
import { type EncryptionKey, KeyRing, parseEncryptionKeys } from './secrets/keyRing';
import { MemoryStore } from './store/memoryStore';
import type { FactorStore, OtpAlgorithm, StateStore } from './store/types';

/** The user the application's primary authentication established. */
export interface MfaUser {
  id: string;
  /** The user's roles, for `policy.required: { roles }`. */
  roles?: string[];
  /** RFC 8176 methods of the primary authentication (e.g. an SSO's ID token), for `policy.trustedAmr`. */
  amr?: string[];
  /** When the primary authentication happened, in seconds since the epoch (OIDC `auth_time`). */
  authTime?: number;
}

/** Where mfakit writes its warnings and failures; never a secret. */
export interface MfaLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The options of `createMfa`. Only `issuer` is required; every other has a safe default. */
export interface MfaOptions {
  /** Shown in authenticator apps and put in every `otpauth://` URI; no colon. */
  issuer: string;
  /** Where factors and short-lived state live. @default one MemoryStore for both */
  stores?: { factors?: FactorStore; state?: StateStore };
  /**
   * Keys that encrypt TOTP secrets at rest, the first one current: `'kid:base64key,...'` or a
   * list. @default none: an ephemeral key with a loud warning, or an error when
   * `NODE_ENV=production`.
   */
  encryptionKeys?: string | EncryptionKey[];
  totp?: {
    /** @default 'sha1' (what every authenticator app supports) */
    algorithm?: OtpAlgorithm;
    /** @default 6 */
    digits?: 6 | 8;
    /** Time step in seconds, 15 to 120. @default 30 (RFC 6238 section 5.2) */
    period?: number;
    /** Steps accepted either side of now, for clock drift. @default 1 (RFC 6238 section 5.2) */
    window?: number;
  };
  hotp?: {
    /** Counter values accepted ahead of the stored one. @default 10 (RFC 4226 section 7.4) */
    lookAhead?: number;
  };
  /**
   * Passkeys and security keys (WebAuthn Level 3). Without it the WebAuthn routes answer 404.
   * @see https://www.w3.org/TR/webauthn-3/
   */
  webauthn?: WebAuthnOptions;
  /** How long an unconfirmed TOTP or HOTP enrollment waits. @default '10m' */
  enrollmentTtl?: Duration;
  session?: {
    /** Absolute lifetime of an MFA session. @default '12h' (NIST SP 800-63B 7.2, AAL2) */
    lifetime?: Duration;
    /** A session unused for this long ends. @default '30m' (NIST SP 800-63B 7.2, AAL2) */
    idleTimeout?: Duration;
  };
  /** How recent a proof must be to add a second factor, remove one or regenerate codes. @default '5m' */
  freshProofMaxAge?: Duration;
  throttle?: {
    /** Failed attempts, all factors together, that lock the account. @default 3 */
    maxFailures?: number;
    /** The span in which failures add up. @default '5m' */
    window?: Duration;
    /** Successive lock durations; the last repeats. @default ['30s', '1m', '2m', '5m'] */
    backoff?: Duration[];
  };
  /**
   * Users who need no MFA at all, ever (service accounts): they pass every check. For people, grant
   * an exemption with a reason and an expiry instead (`mfa.grantExemption`). @default none
   */
  exempt?: (user: MfaUser) => boolean | Promise<boolean>;
  /** Codes by email or SMS, through the application's sender. Without it those routes answer 404. */
  oob?: OobOptions;
  /** Who must use MFA, a grace period, upstream SSO trust, a risk hook. @default everyone must */
  policy?: MfaPolicy;
  /** Tells users (and administrators) about changes to their account; see `Notifications`. */
  notify?: Notifications;
  /** The account name shown in authenticator apps. @default the user id */
  accountName?: (user: MfaUser) => string;
  /** Receives every audit event; exceptions it throws are logged and ignored. */
  onEvent?: (event: MfaEvent) => void;
  logger?: MfaLogger;
  clock?: Clock;
  randomBytes?: RandomBytes;
}

/** The relying party that passkeys are bound to, and what it asks of authenticators. */
export interface WebAuthnOptions {
  /** The relying party id: the site's registrable domain, e.g. 'example.com' ('localhost' in development). */
  rpID: string;
  /** The name authenticators show, e.g. 'Acme'. */
  rpName: string;
  /** The origins pages may register and sign in from, e.g. ['https://app.example.com']. */
  origins: string | string[];
  /** @default 'preferred' */
  userVerification?: 'required' | 'preferred' | 'discouraged';
  /** The attestation to ask for; 'direct' has the statement checked (no trust anchors). @default 'none' */
  attestation?: 'none' | 'direct';
  /** Whether to ask for a discoverable credential (a passkey). @default 'preferred' */
  residentKey?: 'required' | 'preferred' | 'discouraged';
  /**
   * Let a user-verified WebAuthn proof (a passkey unlocked with a PIN or biometric) count as
   * multi-factor on its own: its session gets the RFC 8176 value `mfa`, which a route can demand
   * with `methods: ['mfa']`. @default false
   */
  userVerifiedIsMfa?: boolean;
}

/** Options with every default filled in and every value checked: what the core reads. */
export interface ResolvedOptions {
  issuer: string;
  factors: FactorStore;
  state: StateStore;
  keyRing: KeyRing;
  totp: { algorithm: OtpAlgorithm; digits: 6 | 8; period: number; window: number };
  hotp: { lookAhead: number };
  webauthn: Required<Omit<WebAuthnOptions, 'origins'>> & { origins: string[] } | null;
  oob: { send: OobOptions['send']; maxSends: number; sendWindowMs: number; codeTtlMs: number } | null;
  enrollmentTtlMs: number;
  session: { lifetimeMs: number; idleTimeoutMs: number };
  freshProofMaxAgeMs: number;
  throttle: { maxFailures: number; windowMs: number; backoffMs: number[] };
  exempt: (user: MfaUser) => boolean | Promise<boolean>;
  policy: ResolvedPolicy;
  accountName: (user: MfaUser) => string;
  emit: (event: MfaEvent) => void;
  logger: MfaLogger;
  clock: Clock;
  randomBytes: RandomBytes;
}

const ALGORITHMS: readonly OtpAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const MAX_PERIOD_SECONDS = 120; // longer steps leave a stolen code valid too long
const MIN_PERIOD_SECONDS = 15;
const MAX_WINDOW = 5;
const MAX_LOOK_AHEAD = 100;
const MAX_FAILURES_CAP = 100; // NIST SP 800-63B 5.2.2: at most 100 consecutive failures

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
    throttle: {
      maxFailures: integerIn(throttle.maxFailures ?? 3, 1, MAX_FAILURES_CAP, 'throttle.maxFailures'),
      windowMs: toMs(throttle.window ?? '5m', 'throttle.window'),
      backoffMs: backoff.map((d, i) => toMs(d, `throttle.backoff[${i}]`)),
    },
    exempt: optionalFunction(options.exempt, 'exempt') ?? (() => false),
    policy: resolvePolicy(options.policy),
    accountName: optionalFunction(options.accountName, 'accountName') ?? ((user) => user.id),
    emit: (event) => {
      try {
        onEvent?.(event);
      } catch (err) {
        logger.error(`onEvent threw on ${event.type}: ${(err as Error)?.message ?? String(err)}`);
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
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    // WebAuthn section 13.4.9: an origin's host must be the RP id or a subdomain of it.
    if (!url || url.origin !== origin || !(url.hostname === rpID || url.hostname.endsWith(`.${rpID}`))) {
      invalid(`webauthn.origins: ${JSON.stringify(origin)} must be an origin (scheme://host[:port]) on ${rpID} or a subdomain of it`);
    }
  }
  if (options.userVerifiedIsMfa !== undefined && typeof options.userVerifiedIsMfa !== 'boolean') invalid('webauthn.userVerifiedIsMfa must be a boolean');
  return {
    rpID,
    rpName: rpName.trim(),
    origins: [...origins],
    userVerification: oneOf(options.userVerification, REQUIREMENTS, 'preferred', 'webauthn.userVerification'),
    attestation: oneOf(options.attestation, ['none', 'direct'] as const, 'none', 'webauthn.attestation'),
    residentKey: oneOf(options.residentKey, REQUIREMENTS, 'preferred', 'webauthn.residentKey'),
    userVerifiedIsMfa: options.userVerifiedIsMfa ?? false,
  };
}
