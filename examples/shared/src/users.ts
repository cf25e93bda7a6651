import { createHash, timingSafeEqual } from 'node:crypto';

/** A user of the demo's primary authentication. */
export interface DemoUser {
  id: string;
  /** A service account: exempt from MFA (it has no person to hold an authenticator). */
  service: boolean;
}

interface StoredUser extends DemoUser {
  passwordHash: Buffer;
}

// A demo keeps SHA-256 so that comparisons are constant-time over equal lengths. A real
// application stores passwords with a slow, salted hash (scrypt, Argon2id; OWASP Password Storage).
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The demo's accounts: three people who must use MFA and one service user who is exempt. */
export const DEMO_ACCOUNTS: readonly { id: string; password: string; service: boolean }[] = [
  { id: 'alice', password: 'alice-password', service: false },
  { id: 'bob', password: 'bob-password', service: false },
  { id: 'carol', password: 'carol-password', service: false },
  { id: 'svc-reports', password: 'svc-reports-password', service: true },
];

const USERS = new Map<string, StoredUser>(DEMO_ACCOUNTS.map(({ id, password, service }) => [id, { id, service, passwordHash: sha256(password) }]));

// Compared against when the username is unknown, so that a wrong name costs as much as a wrong password.
const NO_SUCH_USER = sha256('no such user: this hash matches no password anyone types');

/** The user with this id, or undefined. */
export function findUser(id: string): DemoUser | undefined {
  const user = USERS.get(id);
  return user && { id: user.id, service: user.service };
}

/** Checks a username and password in constant time; the user, or null. */
export function checkPassword(username: string, password: string): DemoUser | null {
  const user = USERS.get(username);
  const matches = timingSafeEqual(sha256(password), user?.passwordHash ?? NO_SUCH_USER);
  return user && matches ? { id: user.id, service: user.service } : null;
}

/** True for service users, whom `createMfa({ exempt })` lets through without a factor. */
export function isServiceUser(id: string): boolean {
  return USERS.get(id)?.service === true;
}
