import { endPendingEnrollments, type FactorView, viewOf } from './enroll';
import { rotateKeys } from './manage';
import { type Outcome, denial, success } from './outcome';
import { checkedUserId, type MfaUser } from './request';
import type { MfaContext } from './context';
import { durationMs } from './lib/duration';
import { liveExemption } from './policy';
import { revokeSessions } from './session/sessions';
import { resetThrottle } from './throttle/throttle';
import type { Exemption } from './store/types';

/** One user's line of the report. */
export interface ReportUser {
  /** The user's id. */
  userId: string;
  /** The policy requires MFA of this user (never of a user of the `exempt` option, like a service account). */
  required: boolean;
  /** At least one factor. */
  enrolled: boolean;
  /** Exempt now: the `exempt` option, or a granted exemption that has not expired. */
  exempt: boolean;
  /** The granted exemption in force, if any. */
  exemption: Exemption | null;
  /** The user's factors, without secrets. */
  factors: FactorView[];
  /** The last successful proof (ms since the epoch), or null. */
  lastVerifiedAt: number | null;
}

/**
 * `GET /mfa/admin/report`: every user and the totals, for tracking a rollout. Made by
 * `mfa.admin.report()` (and the `mfakit report` command) from the stores and the application's users.
 */
export interface Report {
  /** One line per user, sorted by id. */
  users: ReportUser[];
  /** Counts over `users`. */
  totals: {
    /** Users in the report. */
    users: number;
    /** Users the policy requires MFA of. */
    required: number;
    /** Users with at least one factor. */
    enrolled: number;
    /** Users exempt now (the `exempt` option or a granted exemption). */
    exempt: number;
    /** Required, not exempt, and without a factor: who the rollout is waiting for. */
    missing: number;
  };
}

/** Where a list of users can come from: an array, any iterable, or an async one (a paged query). */
export type UserSource = Iterable<MfaUser> | AsyncIterable<MfaUser>;

/** Who did an administrative action, for the audit events. */
export interface Actor {
  /** The administrator's user id, or the tool and account that acted (the CLI's default: `'cli:<os user>'`). */
  by: string;
  /** The administrator's client address, when known. */
  ip?: string;
}

const MAX_REASON_LENGTH = 500;
const MAX_EXEMPTION_MS = 366 * 24 * 60 * 60 * 1000; // a year at most: exemptions are for special cases, not forever

/**
 * A user of the report while its sources are read: the application's user (or one made of the id
 * alone), the factors' views, and of the user record only what the report shows.
 */
interface ReportEntry {
  id: string;
  user: MfaUser;
  views: FactorView[];
  exemption: Exemption | null;
  lastVerifiedAt: number | null;
}

const entryOf = (user: MfaUser): ReportEntry => ({ id: user.id, user, views: [], exemption: null, lastVerifiedAt: null });

/**
 * Where every user stands: the application's users (so that users who never came near MFA are
 * counted, with their roles for the policy) joined with every user the stores know of.
 *
 * One pass over each source: the application's users, then the factors streamed from
 * `allFactors` (a page at a time on PostgreSQL), of which only the views are kept, and the user
 * records from `allUsers`, each found by one Map lookup; the lines sorted by user id once, and the
 * totals counted as they are made.
 */
export async function report(opts: MfaContext, users: UserSource = []): Promise<Report> {
  const entries = new Map<string, ReportEntry>();
  const entry = (id: string) => {
    let found = entries.get(id);
    if (!found) {
      found = entryOf({ id });
      entries.set(id, found);
    }
    return found;
  };
  await forEachUser(users, (user) => {
    if (typeof user?.id === 'string' && user.id !== '') entries.set(user.id, entryOf(user));
  });
  for await (const factor of opts.factors.allFactors()) entry(factor.userId).views.push(viewOf(factor));
  const now = opts.clock.now();
  for await (const record of opts.factors.allUsers()) {
    const found = entry(record.userId);
    found.exemption = liveExemption(record.exemption, now);
    found.lastVerifiedAt = record.lastProof?.at ?? null;
  }

  const rows: ReportUser[] = [];
  const totals = { users: 0, required: 0, enrolled: 0, exempt: 0, missing: 0 };
  const sorted = [...entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { id, user, views, exemption, lastVerifiedAt } of sorted) {
    const neverNeeds = await opts.exempt(user);
    const row: ReportUser = {
      userId: id,
      required: !neverNeeds && (await opts.policy.isRequired(user)),
      enrolled: views.length > 0,
      exempt: neverNeeds || exemption !== null,
      exemption,
      factors: views,
      lastVerifiedAt,
    };
    rows.push(row);
    totals.users += 1;
    if (row.required) totals.required += 1;
    if (row.enrolled) totals.enrolled += 1;
    if (row.exempt) totals.exempt += 1;
    if (row.required && !row.enrolled && !row.exempt) totals.missing += 1;
  }
  return { users: rows, totals };
}

/**
 * Each user of the source, as `for await` gives them (an async iterable first; a value that is a
 * promise awaited), without a turn of the event loop per user of an array or another plain iterable.
 */
async function forEachUser(users: UserSource, each: (user: MfaUser) => void): Promise<void> {
  if (typeof (users as Partial<AsyncIterable<MfaUser>>)[Symbol.asyncIterator] === 'function') {
    for await (const user of users) each(user);
    return;
  }
  for (const user of users as Iterable<MfaUser>) each(isPromiseLike(user) ? await user : user);
}

const isPromiseLike = (value: unknown): value is PromiseLike<MfaUser> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/**
 * Revokes everything of a user at once, as for a lost device: every factor and the recovery
 * codes go, every MFA session ends (also on other instances), pending enrollments end, and the
 * locks and the failure streak are cleared. The user enrolls again.
 *
 * The factors go first and the sessions are voided after: a proof that was being checked while
 * the factors went (and so may still succeed) began before the mark, so its session is void too.
 */
export async function revokeUser(opts: MfaContext, userId: string, actor: Actor): Promise<{ factorsRemoved: number }> {
  const factorsRemoved = (await opts.factors.listFactors(userId)).length;
  await opts.factors.deleteUser(userId);
  await endPendingEnrollments(opts, userId);
  await resetThrottle(opts, userId);
  await revokeSessions(opts, userId);
  opts.emit({ type: 'user.revoked', userId, at: opts.clock.now(), ip: actor.ip, by: actor.by, factorsRemoved });
  return { factorsRemoved };
}

/**
 * Clears a user's locks and failure streak, so that codes work again after
 * `throttle.maxConsecutiveFailures` wrong ones in a row (or a timed lock ends now). Audited.
 */
export async function unlockUser(opts: MfaContext, userId: string, actor: Actor): Promise<void> {
  await resetThrottle(opts, userId);
  opts.emit({ type: 'account.unlocked', userId, at: opts.clock.now(), ip: actor.ip, by: actor.by });
}

/**
 * Grants an exemption until `expiresAt`, or for `expiresIn` from now (in the future, within a
 * year), for a stated reason; it replaces any earlier one and stops applying by itself when it expires.
 */
export async function grantExemption(opts: MfaContext, userId: string, input: ExemptionInput, actor: Actor): Promise<Outcome<Exemption>> {
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason === '' || reason.length > MAX_REASON_LENGTH) return denial('invalid_request', `An exemption needs a reason of 1 to ${MAX_REASON_LENGTH} characters.`);
  const now = opts.clock.now();
  const expiresIn = input.expiresAt === undefined ? durationMs(input.expiresIn) : null;
  const expiresAt = expiresIn === null ? expiryOf(input.expiresAt) : now + expiresIn;
  if (expiresAt === null) {
    return denial('invalid_request', "An exemption needs expiresAt: an ISO 8601 time (e.g. 2026-12-01T00:00:00Z) or milliseconds since the epoch; or expiresIn: a duration such as '7d'.");
  }
  if (expiresAt <= now || expiresAt > now + MAX_EXEMPTION_MS) return denial('invalid_request', 'expiresAt must lie in the future, at most a year away.');
  const exemption: Exemption = { reason, expiresAt, grantedBy: actor.by, grantedAt: now };
  await opts.factors.setExemption(userId, exemption);
  opts.emit({ type: 'exemption.granted', userId, at: now, ip: actor.ip, by: actor.by, reason, expiresAt });
  return success(exemption);
}

/**
 * What an exemption is granted with, as the caller sent it (checked by `grantExemption`): a
 * `reason` (1 to 500 characters) and its end, `expiresAt` (an ISO 8601 time or ms since the
 * epoch) or `expiresIn` (a Duration from now, such as `'7d'`).
 */
export interface ExemptionInput {
  /** Why the user is exempt, for the audit and the report. */
  reason?: unknown;
  /** When it ends: an ISO 8601 time or ms since the epoch. */
  expiresAt?: unknown;
  /** When it ends, from now, if `expiresAt` is not given: a Duration such as `'12h'` or `'7d'`. */
  expiresIn?: unknown;
}

/** An exemption's expiry from the request (an ISO 8601 string or ms since the epoch), or null when it is neither. */
function expiryOf(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const ms = typeof value === 'string' ? Date.parse(value) : value;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Enables a disabled factor of the user again (a passkey disabled because its signature counter
 * went backwards); audited as `factor.enabled` when it was disabled. False when the user has no
 * factor with this id; true otherwise, also when it was not disabled (nothing changes then).
 */
export async function enableFactor(opts: MfaContext, userId: string, factorId: string, actor: Actor): Promise<boolean> {
  const factor = await opts.factors.getFactor(userId, factorId);
  if (!factor) return false;
  if (await opts.factors.setFactorDisabled(userId, factorId, false)) {
    opts.emit({ type: 'factor.enabled', userId, at: opts.clock.now(), ip: actor.ip, by: actor.by, factorId, kind: factor.kind });
  }
  return true;
}

/** Lifts the user's exemption; false when there was none. */
export async function liftExemption(opts: MfaContext, userId: string, actor: Actor): Promise<boolean> {
  const had = await opts.factors.setExemption(userId, null);
  if (had) opts.emit({ type: 'exemption.lifted', userId, at: opts.clock.now(), ip: actor.ip, by: actor.by });
  return had;
}

/**
 * The administration of mfakit, as `mfa.admin`: the rollout report, revocation of a lost device,
 * unlocking an account, exemptions, enabling a disabled factor and key rotation. The admin routes of `@mfakit/core/http` and
 * the `mfakit` CLI call these; an application may too, from its own administrative code. None of
 * them checks who calls: that is the caller's job (the admin routes ask `authorize` and a fresh
 * proof of the administrator's own).
 *
 * Each method that takes a user id throws `MfaError` `invalid_user` for one that is not a string
 * of 1 to 256 characters.
 */
export class MfaAdmin {
  readonly #ctx: MfaContext;

  /** Made by `createMfa`, as `mfa.admin`. @internal */
  constructor(ctx: MfaContext) {
    this.#ctx = ctx;
  }

  /**
   * Where every user stands (see {@link Report}); pass the application's users to count those the
   * stores never saw. Reads every factor and user record: an administrative call, not a hot path.
   * @param users - The application's users (an array, iterable or async iterable, e.g. a paged
   *   query), with their roles for the policy (default: only the users the stores know).
   * @returns One line per user, sorted by id, and the totals.
   * @example
   * const { totals } = await mfa.admin.report(db.users.stream());
   * console.log(`${totals.missing} required users have no factor yet`);
   */
  report(users?: UserSource): Promise<Report> {
    return report(this.#ctx, users);
  }

  /**
   * Revokes every factor and recovery code of a user and ends all their MFA sessions, on every
   * instance (a lost device). The user enrolls again; an exemption, if any, stays. Audited
   * (`user.revoked`) and notified (`factors.revoked`).
   * @param userId - The user whose factors go.
   * @param actor - Who does it, for the audit event.
   * @returns How many factors were removed.
   * @see NIST SP 800-63B 6.2 (loss, theft, damage of authenticators)
   * @example
   * const { factorsRemoved } = await mfa.admin.revokeUser('alice', { by: 'admin-7', ip: req.ip });
   */
  async revokeUser(userId: string, actor: Actor): Promise<{ factorsRemoved: number }> {
    return revokeUser(this.#ctx, checkedUserId(userId), actor);
  }

  /**
   * Clears a user's locks and failure streak (an administrator's action, audited as
   * `account.unlocked`): codes work again after `throttle.maxConsecutiveFailures` wrong ones in a
   * row, and a timed lock ends now. A recovery code or a passkey does the same for the user.
   * @param userId - The user to unlock.
   * @param actor - Who does it, for the audit event.
   * @example
   * await mfa.admin.unlockUser('alice', { by: 'admin-7', ip: req.ip });
   */
  async unlockUser(userId: string, actor: Actor): Promise<void> {
    return unlockUser(this.#ctx, checkedUserId(userId), actor);
  }

  /**
   * Exempts a user from MFA until `expiresAt` (or for `expiresIn`), for `reason`; audited. The
   * exemption is kept in the FactorStore, replaces any earlier one and lapses by itself. It never
   * stands in for the fresh proof that account changes and admin routes need.
   * @param userId - The user to exempt.
   * @param input - `reason` (1 to 500 characters) and `expiresAt` (an ISO 8601 time or ms since
   *   the epoch) or `expiresIn` (a Duration such as `'7d'`), in the future and at most a year
   *   away; else 400 `invalid_request`.
   * @param actor - Who grants it.
   * @returns The exemption as stored.
   * @example
   * await mfa.admin.grantExemption('bob', { reason: 'Phone lost, new one on Monday', expiresIn: '3d' }, { by: 'admin-7' });
   */
  async grantExemption(userId: string, input: ExemptionInput, actor: Actor): Promise<Outcome<Exemption>> {
    return grantExemption(this.#ctx, checkedUserId(userId), input, actor);
  }

  /**
   * Lifts a user's exemption; false when there was none.
   * @param userId - The exempt user.
   * @param actor - Who lifts it, for the audit event.
   * @returns Whether there was an exemption to lift.
   * @example
   * await mfa.admin.liftExemption('bob', { by: 'admin-7' });
   */
  async liftExemption(userId: string, actor: Actor): Promise<boolean> {
    return liftExemption(this.#ctx, checkedUserId(userId), actor);
  }

  /**
   * Enables a passkey or security key again that was disabled because its signature counter went
   * backwards (a possible clone; see the `factor.disabled` notice). Do it once the user has the
   * genuine authenticator in hand and the copy is accounted for: the stored counter is kept, so
   * the original (whose counter is ahead) signs in again, and so would a copy that counts past it.
   * Removing the credential and registering the key anew is the safer course. Audited
   * (`factor.enabled`) and notified to the user.
   * @param userId - The user the factor belongs to.
   * @param factorId - The factor to enable (`fac_...`, as `GET /mfa` and the report show it).
   * @param actor - Who does it, for the audit event.
   * @returns False when the user has no factor with this id; true otherwise (also when it was not disabled).
   * @see https://www.w3.org/TR/webauthn-3/#sctn-sign-counter (WebAuthn section 6.1.1)
   * @example
   * if (!(await mfa.admin.enableFactor('alice', 'fac_2x8...', { by: 'admin-7', ip: req.ip }))) res.status(404);
   */
  async enableFactor(userId: string, factorId: string, actor: Actor): Promise<boolean> {
    return enableFactor(this.#ctx, checkedUserId(userId), factorId, actor);
  }

  /**
   * Re-encrypts every stored secret (OTP secrets, email addresses, phone numbers) under the
   * current (first) key; see the `encryptionKeys` option. Safe to run while serving and to run again: each
   * secret is swapped by compare-and-set. Keep the old keys in the ring until it has run and
   * until pending enrollments and sent codes have lapsed (`enrollmentTtl`, `oob.codeTtl`).
   * @returns How many secrets were re-encrypted (`rotated`), were under the current key already
   *   (`current`), and there are (`total`), and the id of the current key (`keyId`); the rest
   *   changed while it ran: run it again.
   * @throws MfaError `secret_undecryptable` when a secret is under a key no longer in the ring.
   * @example
   * // MFA_ENCRYPTION_KEYS='k2:<new key>,k1:<old key>' on every instance, then once:
   * const { rotated, total } = await mfa.admin.rotateKeys();
   */
  rotateKeys(): Promise<{ rotated: number; current: number; total: number; keyId: string }> {
    return rotateKeys(this.#ctx);
  }
}
