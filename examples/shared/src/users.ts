import { createHash, timingSafeEqual } from 'node:crypto';

/** A user of the demo's primary authentication. */
export interface DemoUser {
  id: string;
  /** 'staff' for people, 'admin' for who may use `/mfa/admin`, 'service' for a service account. */
  roles: string[];
}

interface StoredUser extends DemoUser {
  passwordHash: Buffer;
}

/** The role of service accounts: exempt from MFA (they have no person to hold an authenticator). */
export const SERVICE_ROLE = 'service';

/** The role that may use the MFA admin routes (`/mfa/admin`). */
export const ADMIN_ROLE = 'admin';

// A demo keeps SHA-256 so that comparisons are constant-time over equal lengths. A real
// application stores passwords with a slow, salted hash (scrypt, Argon2id; OWASP Password Storage).
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The demo's accounts: three people and an administrator, who must use MFA, and one service user
 * who is exempt.
 */
export const DEMO_ACCOUNTS: readonly { id: string; password: string; roles: readonly string[] }[] = [
  { id: 'alice', password: 'alice-password', roles: ['staff'] },
  { id: 'bob', password: 'bob-password', roles: ['staff'] },
  { id: 'carol', password: 'carol-password', roles: ['staff'] },
  { id: 'admin', password: 'admin-password', roles: ['staff', ADMIN_ROLE] },
  { id: 'svc-reports', password: 'svc-reports-password', roles: [SERVICE_ROLE] },
];

const USERS = new Map<string, StoredUser>(DEMO_ACCOUNTS.map(({ id, password, roles }) => [id, { id, roles: [...roles], passwordHash: sha256(password) }]));

// Compared against when the username is unknown, so that a wrong name costs as much as a wrong password.
const NO_SUCH_USER = sha256('no such user: this hash matches no password anyone types');

/** A copy of a stored user without the hash (callers may not change the table). */
const publicUser = (user: StoredUser): DemoUser => ({ id: user.id, roles: [...user.roles] });

/** The user with this id, or undefined. */
export function findUser(id: string): DemoUser | undefined {
  const user = USERS.get(id);
  return user && publicUser(user);
}

/** Every demo user with their roles, for the admin report (`listUsers`). */
export function listDemoUsers(): DemoUser[] {
  return [...USERS.values()].map(publicUser);
}

/** Checks a username and password in constant time; the user, or null. */
export function checkPassword(username: string, password: string): DemoUser | null {
  const user = USERS.get(username);
  const matches = timingSafeEqual(sha256(password), user?.passwordHash ?? NO_SUCH_USER);
  return user && matches ? publicUser(user) : null;
}

/** True for service users, whom `createMfa({ exempt })` lets through without a factor. */
export function isServiceUser(id: string): boolean {
  return USERS.get(id)?.roles.includes(SERVICE_ROLE) === true;
}

/** True for a user holding the admin role. Reads the roles given, which the demo takes from its table, never from a token. */
export function isAdmin(user: { roles?: string[] }): boolean {
  return Array.isArray(user.roles) && user.roles.includes(ADMIN_ROLE);
}
