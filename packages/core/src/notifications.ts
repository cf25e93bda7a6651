import { describe } from './lib/describe';
import { MfaError } from './errors';
import type { FactorKind, MfaEvent } from './events';
import type { MfaLogger } from './logger';

/**
 * What a user is told about their own account, each with `userId` and `at` (ms since the epoch).
 * Never a secret or a code.
 *
 * - `factor.added` / `factor.removed`: a factor of `kind` (and `channel` for email or SMS).
 * - `factors.revoked`: an administrator removed all `count` factors and ended every session.
 * - `recovery.used`: a recovery code was used; `remaining` are left.
 * - `recovery.regenerated`: a new set of `count` recovery codes replaced the old one.
 * - `account.locked`: too many failed attempts; locked `until` (ms since the epoch).
 * - `failures.mounting`: `count` wrong codes in a row; at `limit` codes will be refused.
 * - `codes.disabled`: too many wrong codes in a row: codes are refused until the user signs in
 *   with a recovery code or a passkey, or an administrator unlocks the account.
 * - `exemption.granted`: an administrator exempted the user from MFA until `expiresAt`.
 * - `factor.disabled`: a factor (`factorId`, `kind`) is refused from now on, for `reason`
 *   `counter_regressed`: a passkey or security key that may have been copied. Until an
 *   administrator enables it, the user signs in with another factor or a recovery code.
 * - `factor.enabled`: an administrator enabled the factor again.
 */
export type UserNotice =
  | { type: 'factor.added'; userId: string; at: number; kind: FactorKind; channel?: 'email' | 'sms' }
  | { type: 'factor.removed'; userId: string; at: number; kind: FactorKind; channel?: 'email' | 'sms' }
  | { type: 'factors.revoked'; userId: string; at: number; count: number }
  | { type: 'recovery.used'; userId: string; at: number; remaining: number }
  | { type: 'recovery.regenerated'; userId: string; at: number; count: number }
  | { type: 'account.locked'; userId: string; at: number; until: number }
  | { type: 'failures.mounting'; userId: string; at: number; count: number; limit: number }
  | { type: 'codes.disabled'; userId: string; at: number; count: number }
  | { type: 'exemption.granted'; userId: string; at: number; expiresAt: number }
  | { type: 'factor.disabled'; userId: string; at: number; factorId: string; kind: FactorKind; reason: 'counter_regressed' }
  | { type: 'factor.enabled'; userId: string; at: number; factorId: string; kind: FactorKind };

/**
 * What administrators are told, each with the `userId` concerned, `at` (ms since the epoch) and
 * the client address `ip` when known: what is worth a look (a lost device, or an attacker).
 *
 * - `recovery.used`: the user used a recovery code; `remaining` are left.
 * - `failures.mounting`: `count` wrong codes in a row for the user (codes are refused at `limit`).
 * - `codes.disabled`: codes are refused for the user after `count` wrong ones in a row; an
 *   administrator can unlock the account (`mfa.admin.unlockUser`).
 * - `exemption.granted`: an administrator (`by`) exempted the user until `expiresAt`, for `reason`.
 * - `factor.disabled`: the user's factor (`factorId`, `kind`) is refused from now on, for `reason`
 *   `counter_regressed`: a passkey or security key that may have been cloned. Find out who holds
 *   the copy before enabling it again (`mfa.admin.enableFactor`).
 */
export type AdminNotice =
  | { type: 'recovery.used'; userId: string; at: number; ip?: string; remaining: number }
  | { type: 'failures.mounting'; userId: string; at: number; ip?: string; count: number; limit: number }
  | { type: 'codes.disabled'; userId: string; at: number; ip?: string; count: number }
  | { type: 'exemption.granted'; userId: string; at: number; by: string; reason: string; expiresAt: number }
  | { type: 'factor.disabled'; userId: string; at: number; ip?: string; factorId: string; kind: FactorKind; reason: 'counter_regressed' };

/**
 * Notification hooks, called after the change they report (a failure is logged, never undoes it).
 * Deliver them as the application does (email, push, a message on the next page); mfakit keeps
 * no record of a notice, so deliver it durably if it must not be lost.
 *
 * @see NIST SP 800-63B 6.1.2 (post-enrollment binding: tell the subscriber of a new authenticator)
 * @example
 * notify: {
 *   user: (notice) => mailer.send(notice.userId, templates[notice.type], notice),
 *   admins: (notice) => slack.post(`#security`, `${notice.userId} used a recovery code (${notice.remaining} left)`),
 * }
 */
export interface Notifications {
  /** A factor added, removed, disabled or enabled again, all factors revoked, recovery codes used or regenerated, the account locked, wrong codes mounting or codes refused, an exemption granted. */
  user?: (notice: UserNotice) => void | Promise<void>;
  /** A recovery code used, wrong codes mounting or codes refused for a user, an exemption granted, a factor disabled. */
  admins?: (notice: AdminNotice) => void | Promise<void>;
}

/** The notices an audit event gives rise to. */
export function noticesOf(event: MfaEvent): { user?: UserNotice; admins?: AdminNotice } {
  const { userId, at } = event;
  switch (event.type) {
    case 'factor.enrolled':
    case 'factor.removed': {
      const type = event.type === 'factor.enrolled' ? 'factor.added' : 'factor.removed';
      return { user: { type, userId, at, kind: event.kind, ...(event.channel ? { channel: event.channel } : {}) } };
    }
    case 'user.revoked':
      return { user: { type: 'factors.revoked', userId, at, count: event.factorsRemoved } };
    case 'recovery.used':
      return {
        user: { type: 'recovery.used', userId, at, remaining: event.remaining },
        admins: { type: 'recovery.used', userId, at, remaining: event.remaining, ...ipOf(event) },
      };
    case 'recovery.regenerated':
      return { user: { type: 'recovery.regenerated', userId, at, count: event.count } };
    case 'account.locked':
      return { user: { type: 'account.locked', userId, at, until: event.until } };
    case 'failures.mounting': {
      const { count, limit } = event;
      return { user: { type: 'failures.mounting', userId, at, count, limit }, admins: { type: 'failures.mounting', userId, at, count, limit, ...ipOf(event) } };
    }
    case 'codes.disabled':
      return { user: { type: 'codes.disabled', userId, at, count: event.count }, admins: { type: 'codes.disabled', userId, at, count: event.count, ...ipOf(event) } };
    case 'exemption.granted': {
      const { expiresAt, by, reason } = event;
      return { user: { type: 'exemption.granted', userId, at, expiresAt }, admins: { type: 'exemption.granted', userId, at, by, reason, expiresAt } };
    }
    case 'factor.disabled': {
      const { factorId, kind, reason } = event;
      return { user: { type: 'factor.disabled', userId, at, factorId, kind, reason }, admins: { type: 'factor.disabled', userId, at, factorId, kind, reason, ...ipOf(event) } };
    }
    case 'factor.enabled':
      return { user: { type: 'factor.enabled', userId, at, factorId: event.factorId, kind: event.kind } };
    default:
      return {};
  }
}

const ipOf = (event: MfaEvent) => (event.ip ? { ip: event.ip } : {});

/** Turns the `notify` option into a function of audit events; hooks run after, and their failures are logged. */
export function notifier(notify: Notifications | undefined, logger: MfaLogger): (event: MfaEvent) => void {
  if (notify !== undefined && (notify === null || typeof notify !== 'object' || [notify.user, notify.admins].some((hook) => hook !== undefined && typeof hook !== 'function'))) {
    throw new MfaError('invalid_option', 'notify must be { user?: function, admins?: function }');
  }
  if (!notify?.user && !notify?.admins) return () => {};
  const deliver = <T>(hook: ((notice: T) => void | Promise<void>) | undefined, notice: T | undefined, type: string) => {
    if (!hook || !notice) return;
    Promise.resolve()
      .then(() => hook(notice))
      .catch((err: unknown) => logger.error(`notify hook failed on ${type}: ${describe(err)}`));
  };
  return (event) => {
    const { user, admins } = noticesOf(event);
    deliver(notify.user, user, event.type);
    deliver(notify.admins, admins, event.type);
  };
}
