import { MfaError } from './errors';
import type { FactorKind, MfaEvent } from './events';
import type { MfaLogger } from './options';

/**
 * What a user is told about their own account, each with `userId` and `at` (ms since the epoch).
 * Never a secret or a code.
 *
 * - `factor.added` / `factor.removed`: a factor of `kind` (and `channel` for email or SMS).
 * - `factors.revoked`: an administrator removed all `count` factors and ended every session.
 * - `recovery.used`: a recovery code was used; `remaining` are left.
 * - `account.locked`: too many failed attempts; locked `until` (ms since the epoch).
 */
export type UserNotice =
  | { type: 'factor.added'; userId: string; at: number; kind: FactorKind; channel?: 'email' | 'sms' }
  | { type: 'factor.removed'; userId: string; at: number; kind: FactorKind; channel?: 'email' | 'sms' }
  | { type: 'factors.revoked'; userId: string; at: number; count: number }
  | { type: 'recovery.used'; userId: string; at: number; remaining: number }
  | { type: 'account.locked'; userId: string; at: number; until: number };

/**
 * What administrators are told: a recovery code used is worth a look (a lost device, or an
 * attacker).
 * @property type - Always `recovery.used`.
 * @property userId - The user who used a recovery code.
 * @property at - When (ms since the epoch).
 * @property ip - The client address, when known.
 * @property remaining - How many unused codes the user has left.
 */
export type AdminNotice = { type: 'recovery.used'; userId: string; at: number; ip?: string; remaining: number };

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
  /** A factor added or removed, all factors revoked, a recovery code used (with the count left), the account locked. */
  user?: (notice: UserNotice) => void | Promise<void>;
  /** A recovery code used. */
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
        admins: { type: 'recovery.used', userId, at, remaining: event.remaining, ...(event.ip ? { ip: event.ip } : {}) },
      };
    case 'account.locked':
      return { user: { type: 'account.locked', userId, at, until: event.until } };
    default:
      return {};
  }
}

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
      .catch((err: unknown) => logger.error(`notify hook failed on ${type}: ${(err as Error)?.message ?? String(err)}`));
  };
  return (event) => {
    const { user, admins } = noticesOf(event);
    deliver(notify.user, user, event.type);
    deliver(notify.admins, admins, event.type);
  };
}
