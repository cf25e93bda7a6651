import { type HttpResult, NO_STORE } from '@mfakit/core/http';
import type { NoticeBoard } from './notices';
import type { Outbox } from './outbox';
import { findUser } from './users';

/**
 * What a signed-in user may read about their own account, behind the primary authentication only
 * (no MFA: the page needs them before the user has a factor). Each answer is JSON, `no-store`.
 */
export interface AccountRoutes {
  /** `GET /api/me` -> `{ id, roles }`: who the access token names, with the roles of the user table. */
  me(user: SignedIn): HttpResult;
  /** `GET /api/notifications` -> `{ notices: [...] }`: mfakit's notices about this account, newest first. */
  notifications(user: SignedIn): HttpResult;
  /**
   * `GET /api/outbox` -> `{ messages: [{ channel, to, code, purpose, at }] }`: the codes "sent" to
   * this user by email or SMS, newest first. The demo's stand-in for the user's mailbox or phone.
   */
  outbox(user: SignedIn): HttpResult;
}

/** The user of the primary authentication, as each framework holds it. */
type SignedIn = { id: string };

const json = (body: unknown): HttpResult => ({ status: 200, headers: { ...NO_STORE }, body });

/** The answers of the account routes, over this demo's notice board and outbox. */
export function accountRoutes(notices: NoticeBoard, outbox: Outbox): AccountRoutes {
  return {
    me: (user) => json({ id: user.id, roles: findUser(user.id)?.roles ?? [] }),
    notifications: (user) => json({ notices: notices.of(user.id) }),
    outbox: (user) => json({ messages: outbox.of(user.id) }),
  };
}
