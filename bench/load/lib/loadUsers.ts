import { createHash, timingSafeEqual } from 'node:crypto';
import type * as DemoUsers from '../../../examples/shared/src/users';

/** What examples/shared/src/users.ts exports: the demo's user table, which the load test extends. */
export type UserTable = typeof DemoUsers;

/** The environment variable that tells a demo instance how many load users to add (bench/load/lib/instance.ts). */
export const LOAD_USERS_VARIABLE = 'MFAKIT_LOAD_USERS';

const PREFIX = 'load-';
// The demo has five accounts; a load test needs one account per simulated user.
const MAX_LOAD_USERS = 10_000;

/**
 * The id of the `index`-th load user: `load-0000`, `load-0001`, ... Its password is `<id>-password`,
 * as for the demo's own accounts (`alice` / `alice-password`).
 */
export const loadUserId = (index: number) => `${PREFIX}${String(index).padStart(4, '0')}`;

/** The password the demo accepts for a load user. */
export const loadUserPassword = (id: string) => `${id}-password`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The demo's user table with `count` load users added (`load-0000` ... , role 'staff': people who
 * must use MFA), everything else answered by the demo's own table. The demo's accounts and
 * functions are untouched; only the ids with the `load-` prefix and a number below `count` are new.
 *
 * @param table - The exports of examples/shared/src/users.ts.
 * @param count - How many load users, from 0 to 10,000.
 * @returns An object with the same exports, for the module cache (see instance.ts).
 * @example
 * const users = withLoadUsers(require('../../../examples/shared/src/users'), 200);
 * users.checkPassword('load-0007', 'load-0007-password'); // { id: 'load-0007', roles: ['staff'] }
 */
export function withLoadUsers(table: UserTable, count: number): UserTable {
  if (!Number.isInteger(count) || count < 0 || count > MAX_LOAD_USERS) throw new RangeError(`${LOAD_USERS_VARIABLE} must be an integer from 0 to ${MAX_LOAD_USERS}, got ${count}`);
  const isLoadUser = (id: string) => id.startsWith(PREFIX) && /^\d{4}$/.test(id.slice(PREFIX.length)) && Number(id.slice(PREFIX.length)) < count;
  const loadUser = (id: string) => ({ id, roles: ['staff'] });
  return {
    ...table,
    findUser: (id) => (isLoadUser(id) ? loadUser(id) : table.findUser(id)),
    listDemoUsers: () => [...table.listDemoUsers(), ...Array.from({ length: count }, (_, i) => loadUser(loadUserId(i)))],
    checkPassword: (username, password) => {
      if (!isLoadUser(username)) return table.checkPassword(username, password);
      return timingSafeEqual(sha256(password), sha256(loadUserPassword(username))) ? loadUser(username) : null;
    },
    isServiceUser: (id) => !isLoadUser(id) && table.isServiceUser(id),
  };
}
