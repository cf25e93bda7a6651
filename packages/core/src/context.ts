import type { ResolvedAcr } from './acr';
import type { Clock } from './clock';
import type { MfaEvent } from './events';
import type { RandomBytes } from './lib/random';
import type { MfaLogger } from './logger';
import type { MfaOptions, OobOptions, WebAuthnOptions } from './options';
import type { ResolvedPolicy } from './policy';
import type { MfaUser } from './request';
import type { KeyRing } from './secrets/keyRing';
import type { FactorStore, OtpAlgorithm, StateStore } from './store/types';

/**
 * What the decision layer works with: the ports (the stores, the key ring, the clock, the random
 * source, the event sink, the logger, the policy) and the settings, every default filled in and
 * every value checked by `resolveOptions`. It is the core's own: nothing outside `@mfakit/core`
 * reads it (an adapter gets what it needs through `@mfakit/core/http`). Durations are in
 * milliseconds (`...Ms`), except `totp.period` (seconds). Read-only.
 * @internal
 */
export interface MfaContext {
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
  /** {@link MfaOptions.acr}: each ACR value's methods and the value of each set of methods. */
  acr: ResolvedAcr;
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
