import type { ProblemCode } from './http/problems';

/**
 * Audit events. Each names the user and what happened; none ever holds a secret, a code, a
 * token or a hash. Receive them with the `onEvent` option, e.g. to log, alert or notify.
 */
export type FactorKind = 'totp' | 'hotp' | 'webauthn' | 'oob' | 'recovery';

interface EventBase {
  userId: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** The client address, when the request carried one. */
  ip?: string;
}

export type MfaEvent =
  | (EventBase & { type: 'enrollment.started'; factorId: string; kind: FactorKind })
  | (EventBase & { type: 'factor.enrolled'; factorId: string; kind: FactorKind; channel?: 'email' | 'sms' })
  | (EventBase & { type: 'factor.removed'; factorId: string; kind: FactorKind; channel?: 'email' | 'sms' })
  | (EventBase & { type: 'verification.succeeded'; factorId: string; kind: FactorKind; amr: string[] })
  | (EventBase & { type: 'verification.failed'; reason: ProblemCode })
  | (EventBase & { type: 'replay.rejected'; factorId: string; kind: FactorKind })
  | (EventBase & { type: 'webauthn.counter_regressed'; factorId: string; storedCounter: number; receivedCounter: number })
  | (EventBase & { type: 'account.locked'; until: number; level: number })
  | (EventBase & { type: 'recovery.used'; remaining: number })
  | (EventBase & { type: 'recovery.regenerated'; count: number })
  | (EventBase & { type: 'session.ended' })
  | (EventBase & { type: 'user.revoked'; by: string; factorsRemoved: number })
  | (EventBase & { type: 'exemption.granted'; by: string; reason: string; expiresAt: number })
  | (EventBase & { type: 'exemption.lifted'; by: string });

export type MfaEventType = MfaEvent['type'];
