import type { ProblemCode } from './problem';

/**
 * The kinds of factor: `totp` (an authenticator app, RFC 6238), `hotp` (a counter-based token,
 * RFC 4226), `webauthn` (a passkey or security key), `oob` (a code sent by email or SMS) and
 * `recovery` (a recovery code, NIST SP 800-63B 5.1.2 look-up secret; never a stored factor).
 */
export type FactorKind = 'totp' | 'hotp' | 'webauthn' | 'oob' | 'recovery';

/**
 * What every audit event carries: `userId`, `at` (ms since the epoch) and `ip` when known.
 * @inline
 */
interface EventBase {
  /** The user the event is about (for an administrative action: the target, not the administrator). */
  userId: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** The client address, when the request carried one. */
  ip?: string;
}

/**
 * Audit events. Each names the user (`userId`), the time (`at`, ms since the epoch), the client
 * address when the request carried one (`ip`), and what happened; none ever holds a secret, a
 * code, a token or a hash. Receive them with the `onEvent` option, e.g. to log, alert or notify;
 * the `notify` option turns some of them into notices for users and administrators.
 *
 * - `enrollment.started`: a TOTP, HOTP, email or SMS enrollment began (`factorId` of the pending
 *   factor, its `kind`).
 * - `factor.enrolled` / `factor.removed`: a factor was added or removed (`factorId`, `kind`, and
 *   `channel` for an email or SMS factor).
 * - `verification.succeeded`: a proof opened an MFA session (`factorId`, `'recovery'` for a
 *   recovery code; `kind`; `amr`, the RFC 8176 values of the proof).
 * - `verification.failed`: a proof was refused under the throttle (`reason`, the problem code,
 *   e.g. `mfa_invalid_code` or `mfa_locked`).
 * - `replay.rejected`: a correct code or assertion that was spent already (a TOTP step, an HOTP
 *   counter value, a WebAuthn counter that another request moved first).
 * - `webauthn.counter_regressed`: the signature counter went backwards, so the authenticator may
 *   be cloned (`storedCounter`, `receivedCounter`); the credential is disabled (`factor.disabled`).
 * - `factor.disabled`: a factor is refused from now on (`factorId`, `kind`), for `reason`
 *   `counter_regressed` (a WebAuthn credential that may be cloned), until `factor.enabled`.
 * - `factor.enabled`: an administrator (`by`) enabled a disabled factor again.
 * - `account.locked`: too many failures; locked `until` (ms since the epoch) at backoff `level`
 *   (1 for the first step of `throttle.backoff`).
 * - `failures.mounting`: `count` codes failed in a row, a fifth of the `limit`
 *   (`throttle.maxConsecutiveFailures`) past which codes are refused: someone may be guessing.
 * - `codes.disabled`: `count` codes failed in a row: codes are refused until a recovery code, a
 *   passkey or an administrator (`account.unlocked`) ends the streak.
 * - `account.unlocked`: an administrator (`by`) cleared the user's locks and failure streak.
 * - `recovery.used`: a recovery code opened a session; `remaining` codes are left.
 * - `recovery.regenerated`: a new set of `count` recovery codes replaced the old one.
 * - `session.ended`: the user ended the MFA session.
 * - `user.revoked`: an administrator (`by`) removed every factor (`factorsRemoved`) and ended
 *   every session of the user.
 * - `exemption.granted` / `exemption.lifted`: an administrator (`by`) exempted the user (`reason`,
 *   until `expiresAt`, ms since the epoch) or lifted the exemption.
 *
 * @example
 * createMfa({
 *   issuer: 'Acme',
 *   onEvent: (event) => {
 *     auditLog.write(event);
 *     if (event.type === 'webauthn.counter_regressed') alertSecurityTeam(event.userId);
 *   },
 * });
 * @see NIST SP 800-63B 5.2.2 (throttling) for `account.locked`; RFC 8176 for `amr`.
 */
export type MfaEvent =
  | (EventBase & { type: 'enrollment.started'; factorId: string; kind: FactorKind })
  | (EventBase & { type: 'factor.enrolled'; factorId: string; kind: FactorKind; channel?: 'email' | 'sms' })
  | (EventBase & { type: 'factor.removed'; factorId: string; kind: FactorKind; channel?: 'email' | 'sms' })
  | (EventBase & { type: 'verification.succeeded'; factorId: string; kind: FactorKind; amr: string[] })
  | (EventBase & { type: 'verification.failed'; reason: ProblemCode })
  | (EventBase & { type: 'replay.rejected'; factorId: string; kind: FactorKind })
  | (EventBase & { type: 'webauthn.counter_regressed'; factorId: string; storedCounter: number; receivedCounter: number })
  | (EventBase & { type: 'factor.disabled'; factorId: string; kind: FactorKind; reason: 'counter_regressed' })
  | (EventBase & { type: 'factor.enabled'; factorId: string; kind: FactorKind; by: string })
  | (EventBase & { type: 'account.locked'; until: number; level: number })
  | (EventBase & { type: 'failures.mounting'; count: number; limit: number })
  | (EventBase & { type: 'codes.disabled'; count: number })
  | (EventBase & { type: 'account.unlocked'; by: string })
  | (EventBase & { type: 'recovery.used'; remaining: number })
  | (EventBase & { type: 'recovery.regenerated'; count: number })
  | (EventBase & { type: 'session.ended' })
  | (EventBase & { type: 'user.revoked'; by: string; factorsRemoved: number })
  | (EventBase & { type: 'exemption.granted'; by: string; reason: string; expiresAt: number })
  | (EventBase & { type: 'exemption.lifted'; by: string });

/** The `type` of an audit event, e.g. `'account.locked'`. */
export type MfaEventType = MfaEvent['type'];
