import { sessionReadKeys, stateKeys } from '../lib/keys';
import { andThen, type MaybePromise } from '../lib/maybe';
import { sha256, sha256Bytes } from '../lib/random';
import type { MfaContext } from '../context';
import type { MfaState } from '../request';
import type { SessionTable, StoredSession } from '../store/types';

/** The ports and settings sessions need: a part of the core's context. */
export type SessionPorts = Pick<MfaContext, 'state' | 'clock' | 'session' | 'randomBytes'>;

/**
 * What the state store keeps of an MFA session: in its session table when it has one
 * (`StateStore.sessions`, the memory store), else as JSON under the SHA-256 hash of its
 * token. The token itself is never stored. It lives until `expiresAt` or the idle timeout,
 * whichever comes first: losing the state store ends every session, which users answer with a
 * new proof.
 * @see NIST SP 800-63B 7.1 (session bindings)
 */
export type SessionRecord = StoredSession;

/** A newly issued session: the token goes to the client once and is never readable again. */
export interface IssuedSession {
  /**
   * The session token (`mfa_` and 43 base64url characters, 256 random bits). The client keeps it
   * and sends it as `X-Session-Token` (or the `mfa_session` cookie); mfakit keeps only its hash,
   * so it cannot be shown again.
   */
  sessionToken: string;
  /** When the session ends at the latest (ms since the epoch); the idle timeout may end it sooner. */
  expiresAt: number;
  /** RFC 8176 methods proved in this session, this proof's and those carried over from the session it replaced. */
  amr: string[];
  /** When this proof was made (ms since the epoch). */
  authTime: number;
}

const TOKEN_BYTES = 32; // 256 bits; the issue asks for at least 128
const TOKEN_PREFIX = 'mfa_';
const MAX_TOKEN_LENGTH = 128;
const TOUCH_INTERVAL_MS = 60_000;

export function stateOf(session: Pick<SessionRecord, 'userId' | 'methods' | 'authTime' | 'expiresAt' | 'factorId'>): MfaState {
  return {
    userId: session.userId,
    exempt: false,
    amr: Object.keys(session.methods),
    authTime: session.authTime,
    expiresAt: session.expiresAt,
    factorId: session.factorId,
  };
}

/** What the client is told of a session it was just issued. */
export function issuedOf(token: string, session: SessionRecord): IssuedSession {
  return { sessionToken: token, expiresAt: session.expiresAt, amr: Object.keys(session.methods), authTime: session.authTime };
}

/**
 * Reads a live session of this user by its token, or null; refreshes its idle timer. The session
 * and the user's revocation mark are read in one round trip (same hash tag): a session created
 * before the user's sessions were revoked is void. On a store with a session table, the table
 * answers both at once. The record answered may be shared (a parsed one is frozen): callers must
 * not change it.
 */
export function readSession(opts: SessionPorts, userId: string, token: string | undefined): MaybePromise<SessionRecord | null> {
  if (!token || token.length > MAX_TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) return null;
  const table = opts.state.sessions;
  if (table !== undefined) return readTabled(opts, table, userId, token);
  const keys = sessionReadKeys(userId, sha256(token));
  // The memory store answers at once: then so does this, without an await.
  return andThen(opts.state.getMany(keys), (values) => {
    const raw = values[0];
    const revoked = values[1];
    if (!raw) return null;
    const session = parsed(raw);
    const now = opts.clock.now();
    if (session.userId !== userId || now >= session.expiresAt || now - session.seenAt >= opts.session.idleTimeoutMs) return null;
    if (revoked != null && revokes(revoked, session, keys[0])) return null;
    if (now - session.seenAt < TOUCH_INTERVAL_MS) return session;
    const touched: SessionRecord = { ...session, seenAt: now };
    return opts.state.set(keys[0], JSON.stringify(touched), ttl(opts, touched, now)).then(() => touched);
  });
}

/**
 * `readSession` on a store with a session table: the session by the SHA-256 of its token (the
 * table judges the revocation marks of its own sessions), at once; noted as used once a minute.
 */
function readTabled(opts: SessionPorts, table: SessionTable, userId: string, token: string): SessionRecord | null {
  const id = tabledId(userId, token);
  if (id === null) return null;
  const session = table.get(id, userId);
  if (session === null) return null;
  const now = opts.clock.now();
  if (now >= session.expiresAt || now - session.seenAt >= opts.session.idleTimeoutMs) return null;
  if (now - session.seenAt < TOUCH_INTERVAL_MS) return session;
  const touched: SessionRecord = { ...session, seenAt: now };
  table.set(id, touched, ttl(opts, touched, now));
  return touched;
}

const ISSUED_TOKEN_LENGTH = TOKEN_PREFIX.length + Math.ceil((TOKEN_BYTES * 4) / 3); // 47: what issueSession makes

/**
 * A session's id in a session table: the SHA-256 of its token and its user's id, as 32 bytes
 * (null for a token of another length than those issued, which names no session). Every issued
 * token has the same length, so no other token and user make the same text; a user id with a
 * lone surrogate throws the URIError that the keys of such a user throw (UTF-8 would make it
 * the same bytes as another's). A token presented for another user names another session.
 */
function tabledId(userId: string, token: string): string | null {
  if (!(userId as string & { isWellFormed(): boolean }).isWellFormed()) encodeURIComponent(userId); // Node 20's String.prototype.isWellFormed, not in the ES2022 types
  return token.length === ISSUED_TOKEN_LENGTH ? sha256Bytes(token + userId) : null;
}

// Every check reads a session, and JSON.parse was a fifth of its cost. Records are memoised by
// their stored JSON (which holds no token): the same text is always the same record, whoever
// stored it, so the memo needs no invalidation; frozen, so a caller cannot change it for the next.
const PARSED_MEMO_SIZE = 1024; // ~0.3 MB at most; a busy session stays in it between touches
const parsedMemo = new Map<string, SessionRecord>();

function parsed(raw: string): SessionRecord {
  let session = parsedMemo.get(raw);
  if (session === undefined) {
    session = JSON.parse(raw) as SessionRecord;
    Object.freeze(session.methods);
    Object.freeze(session);
    if (parsedMemo.size >= PARSED_MEMO_SIZE) parsedMemo.delete(parsedMemo.keys().next().value!);
    parsedMemo.set(raw, session);
  }
  return session;
}

/**
 * Records a new proof and issues a new token (rotation) with a full lifetime: the proofs of the
 * previous session, if it is the same user's and still live, carry over with their own times, and
 * that token stops working. `startedAt` is when checking the proof began: the record's `createdAt`.
 */
export async function issueSession(
  opts: SessionPorts,
  userId: string,
  proof: { factorId: string; amr: string[] },
  previousToken: string | undefined,
  startedAt: number,
): Promise<{ token: string; session: SessionRecord }> {
  const now = opts.clock.now();
  const previous = await readSession(opts, userId, previousToken);
  if (previous) await endSession(opts, userId, previousToken);
  const methods = { ...previous?.methods };
  for (const method of proof.amr) methods[method] = now;
  const session: SessionRecord = {
    userId,
    methods,
    factorId: proof.factorId,
    authTime: now,
    createdAt: Math.min(startedAt, now),
    expiresAt: now + opts.session.lifetimeMs,
    seenAt: now,
  };
  const token = TOKEN_PREFIX + opts.randomBytes(TOKEN_BYTES).toString('base64url');
  const table = opts.state.sessions;
  if (table !== undefined) table.set(tabledId(userId, token)!, session, ttl(opts, session, now));
  else await opts.state.set(stateKeys.session(userId, sha256(token)), JSON.stringify(session), ttl(opts, session, now));
  return { token, session };
}

/** Ends one session; a token of another user or an unknown token ends nothing. */
export async function endSession(opts: SessionPorts, userId: string, token: string | undefined): Promise<void> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return;
  const table = opts.state.sessions;
  if (table !== undefined) {
    const id = tabledId(userId, token);
    if (id !== null) table.delete(id);
  } else await opts.state.delete(stateKeys.session(userId, sha256(token)));
}

/**
 * Ends every session of the user at once: a mark with the time, kept as long as a session can
 * live, voids every session created up to now, except the one of `keepToken` when given (the
 * caller's own, when it removes a factor). Sessions issued later work.
 */
export async function revokeSessions(opts: SessionPorts, userId: string, keepToken?: string): Promise<void> {
  const now = opts.clock.now();
  const keep = keepToken && keepToken.length <= MAX_TOKEN_LENGTH ? keepToken : undefined;
  // A session table keeps its own mark (its sessions are not under keys); the key's mark is for grants, and for sessions elsewhere.
  opts.state.sessions?.revoke(userId, now, keep && (tabledId(userId, keep) ?? undefined), opts.session.lifetimeMs);
  await opts.state.set(stateKeys.revoked(userId), keep ? `${now} ${stateKeys.session(userId, sha256(keep))}` : String(now), opts.session.lifetimeMs);
}

/** Whether a revocation mark (`<ms>` or `<ms> <key of the session kept>`) voids this session (or grant), stored under `key`. */
export function revokes(mark: string, session: Pick<SessionRecord, 'createdAt'>, key: string): boolean {
  const space = mark.indexOf(' ');
  if (space < 0) return session.createdAt <= Number(mark);
  return session.createdAt <= Number(mark.slice(0, space)) && mark.slice(space + 1) !== key;
}

function ttl(opts: SessionPorts, session: SessionRecord, now: number): number {
  return Math.max(1, Math.min(opts.session.idleTimeoutMs, session.expiresAt - now));
}
