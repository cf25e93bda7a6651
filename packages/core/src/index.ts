/**
 * Every decision of mfakit, with no HTTP framework and no database driver: TOTP (RFC 6238) and
 * HOTP (RFC 4226) factors, passkeys and security keys (WebAuthn Level 3), codes by email or SMS,
 * recovery codes, MFA sessions and step-up (RFC 9470), the per-account throttle, secrets
 * encrypted at rest, audit events and notices, the policy, exemptions and the report. This entry
 * point is the application's API: start at {@link createMfa}.
 *
 * Two more entry points serve other readers: `@mfakit/core/http`, the kit the framework adapters
 * are built from (the HTTP contract's routes, `guard`, problem details), and `@mfakit/core/store`,
 * the contracts a store implements (`FactorStore`, `StateStore`, their records, `MemoryStore`).
 *
 * @packageDocumentation
 */
export { type AcrOptions, DEFAULT_ACR_VALUES } from './acr';
export type { Actor, ExemptionInput, MfaAdmin, Report, ReportUser, UserSource } from './admin';
export { UPSTREAM_FACTOR_ID } from './check';
export { type Clock, systemClock } from './clock';
export { createMfa, Mfa } from './createMfa';
export type { Confirmed, FactorView } from './enroll';
export * from './errors';
export * from './events';
export type { Duration } from './lib/duration';
export type { RandomBytes } from './lib/random';
export type { MfaLogger } from './logger';
export type { MfaStatus } from './manage';
export type { AdminNotice, Notifications, UserNotice } from './notifications';
export type { OobChallenge } from './oob/oob';
export type { MfaOptions, OobMessage, OobOptions, WebAuthnOptions } from './options';
export type { Failure, Outcome, Success } from './outcome';
export type { Deadline, MfaPolicy, RiskContext } from './policy';
export type { Challenge, Problem, ProblemCode } from './problem';
export { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery/recoveryCodes';
export type { MfaRequest, MfaState, MfaUser, Requirement } from './request';
export { type EncryptionKey, parseEncryptionKeys } from './secrets/keyRing';
export { GRANT_LIFETIME_MS, type Granted, type StepUpAction } from './session/grants';
export type { IssuedSession } from './session/sessions';
export { MemoryStore } from './store/memoryStore';
export type { OtpEnrollment } from './totp/otp';
export type { Proof, Verified } from './verify';
