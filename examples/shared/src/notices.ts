import type { AdminNotice, Notifications, UserNotice } from '@mfakit/core';

/** How many notices the demo keeps per user; older ones drop off. */
export const MAX_NOTICES_PER_USER = 20;

/** Where the demo prints one line per notice and per message sent (see `DemoLogger`). */
export type InfoLine = (message: string) => void;

/** What a notice says, in one line without secrets: 'factor.added (totp)'. */
export function describeNotice(notice: UserNotice | AdminNotice): string {
  switch (notice.type) {
    case 'factor.added':
    case 'factor.removed':
      return `${notice.type} (${notice.channel ?? notice.kind})`;
    case 'factors.revoked':
      return `${notice.type} (${notice.count} ${notice.count === 1 ? 'factor' : 'factors'})`;
    case 'recovery.used':
      return `${notice.type} (${notice.remaining} left)`;
    case 'recovery.regenerated':
      return `${notice.type} (${notice.count} codes)`;
    case 'account.locked':
      return `${notice.type} (until ${new Date(notice.until).toISOString()})`;
    case 'failures.mounting':
      return `${notice.type} (${notice.count} wrong codes in a row; codes stop at ${notice.limit})`;
    case 'codes.disabled':
      return `${notice.type} (after ${notice.count} wrong codes in a row)`;
    case 'exemption.granted':
      return `${notice.type} (until ${new Date(notice.expiresAt).toISOString()})`;
    case 'factor.disabled':
      return `${notice.type} (${notice.kind}: ${notice.reason})`;
    case 'factor.enabled':
      return `${notice.type} (${notice.kind})`;
  }
}

/**
 * The demo's delivery of mfakit's notifications (`createMfa({ notify })`): each notice is printed
 * as one line, and a user's own notices are kept in memory, newest first, at most
 * MAX_NOTICES_PER_USER each, for `GET /api/notifications`. A real application emails them or
 * shows them on the next page. Memory stays small: only demo users can sign in, so there are
 * at most as many lists as demo users.
 */
export class NoticeBoard {
  private readonly byUser = new Map<string, UserNotice[]>();

  constructor(private readonly print: InfoLine) {}

  /** The hooks to pass to `createMfa` as `notify`. */
  readonly hooks: Notifications = {
    user: (notice) => {
      this.print(`notice for ${notice.userId}: ${describeNotice(notice)}`);
      this.byUser.set(notice.userId, [notice, ...(this.byUser.get(notice.userId) ?? [])].slice(0, MAX_NOTICES_PER_USER));
    },
    admins: (notice) => {
      this.print(`notice for administrators: ${notice.userId} ${describeNotice(notice)}`);
    },
  };

  /** A user's notices, newest first (a copy). */
  of(userId: string): UserNotice[] {
    return [...(this.byUser.get(userId) ?? [])];
  }
}
