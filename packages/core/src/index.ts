/**
 * Every decision of mfakit, with no HTTP framework and no database driver: TOTP (RFC 6238) and
 * HOTP (RFC 4226) factors, passkeys and security keys (WebAuthn Level 3), codes by email or SMS,
 * recovery codes, MFA sessions and step-up (RFC 9470), the per-account throttle, secrets
 * encrypted at rest, audit events, the store contracts with an in-memory store, and the HTTP
 * contract (RFC 9457 problem details) that the framework adapters mount. Start at
 * {@link createMfa}.
 *
 * @packageDocumentation
 */
export type { Actor, Report, ReportUser, UserSource } from './admin';
export * from './clock';
export * from './createMfa';
export * from './errors';
export * from './events';
export * from './http/admin';
export * from './http/bodyErrors';
export * from './http/contract';
export * from './http/credentials';
export * from './http/problems';
export * from './http/rateLimit';
export { ENROLLMENT_DEADLINE_HEADER, SESSION_TOKEN_HEADER, UPSTREAM_FACTOR_ID } from './check';
export type { AdminNotice, Notifications, UserNotice } from './notifications';
export type { Deadline, MfaPolicy, ResolvedPolicy, RiskContext } from './policy';
export type { Confirmed, FactorView } from './enroll';
export type { Duration } from './lib/duration';
export type { RandomBytes } from './lib/random';
export type { MfaStatus } from './manage';
export type { MfaLogger, MfaOptions, MfaUser, ResolvedOptions, WebAuthnOptions } from './options';
export type { Outcome } from './outcome';
export { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery/recoveryCodes';
export { type MfaRequest, mfaUserOf, type Requirement, requirementOf } from './request';
export { type EncryptionKey, KeyRing, parseEncryptionKeys } from './secrets/keyRing';
export type { IssuedSession, MfaState, SessionRecord } from './session/sessions';
export { MemoryStore } from './store/memoryStore';
export * from './store/types';
export { otpSecretContext, type OtpEnrollment } from './totp/otp';
export type { OobChallenge, OobMessage, OobOptions } from './oob/oob';
export type { Proof, Verified } from './verify';
