import { resolveAcr } from './acr';
import { systemClock } from './clock';
import type { MfaContext } from './context';
import { MfaError } from './errors';
import { describe } from './lib/describe';
import { toMs } from './lib/duration';
import { defaultRandomBytes, type RandomBytes } from './lib/random';
import { consoleLogger, type MfaLogger } from './logger';
import { notifier } from './notifications';
import type { MfaOptions, OobOptions, WebAuthnOptions } from './options';
import { resolvePolicy } from './policy';
import { DEFAULT_RECOVERY_CODE_COST } from './recovery/recoveryCodes';
import { type EncryptionKey, KeyRing, parseEncryptionKeys } from './secrets/keyRing';
import { MemoryStore } from './store/memoryStore';
import type { OtpAlgorithm } from './store/types';

const ALGORITHMS: readonly OtpAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const MAX_PERIOD_SECONDS = 120; // longer steps leave a stolen code valid too long
const MIN_PERIOD_SECONDS = 15;
const MAX_WINDOW = 5;
const MAX_LOOK_AHEAD = 100;
const MAX_FAILURES_CAP = 100; // NIST SP 800-63B 5.2.2: at most 100 consecutive failures
const MAX_RECOVERY_CODE_COST = 17; // N = 2^17 (OWASP's minimum for passwords) takes 128 MiB a hash
const MIN_CONSECUTIVE_FAILURES = 5; // fewer would let a few typos cut a user off from codes

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
export function resolveOptions(options: MfaOptions): MfaContext {
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

  const acr = resolveAcr(options.acr);
  const resolved: MfaContext = {
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
    acr,
    policy: resolvePolicy(options.policy, acr),
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

function resolveOob(oob: OobOptions): NonNullable<MfaContext['oob']> {
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

function resolveWebAuthn(options: WebAuthnOptions): NonNullable<MfaContext['webauthn']> {
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
