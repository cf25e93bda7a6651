import { sessionReadKeys, stateKeys } from '../lib/keys';
import { sha256 } from '../lib/random';
import type { ResolvedOptions } from '../options';

/** What the store keeps of an MFA session; the token itself is never stored, only its hash. */
export interface SessionRecord {
  userId: string;
  /** RFC 8176 method -> time of the last proof with it (ms). */
  methods: Record<string, number>;
  /** The factor that made the last proof. */
  factorId: string;
  /** Time of the last proof of any factor (ms): what step-up windows are judged against. */
  authTime: number;
  createdAt: number;
  /** Absolute end (ms); the idle timeout may end it sooner. */
  expiresAt: number;
  /** Last use (ms), kept to a minute's precision to spare the store a write on every request. */
  seenAt: number;
}

/** The MFA state of a request, as adapters expose it to handlers (`req.mfa`, `ctx.state.mfa`). */
export interface MfaState {
  userId: string;
  /** True when the user needs no MFA (an exempt service user); the other fields are then empty. */
  exempt: boolean;
  /** RFC 8176 authentication method references of the proofs in this session. */
  amr: string[];
  /** When the last proof was made (ms since the epoch). */
  authTime: number | null;
  expiresAt: number | null;
  factorId: string | null;
}

/** A newly issued session: the token goes to the client once and is never readable again. */
export interface IssuedSession {
  sessionToken: string;
  expiresAt: number;
  amr: string[];
  authTime: number;
}

const TOKEN_BYTES = 32; // 256 bits; the issue asks for at least 128
const TOKEN_PREFIX = 'mfa_';
const MAX_TOKEN_LENGTH = 128;
const TOUCH_INTERVAL_MS = 60_000;

export function stateOf(session: SessionRecord): MfaState {
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
 * before the user's sessions were revoked is void. The record answered is frozen: it may be shared.
 */
export async function readSession(opts: ResolvedOptions, userId: string, token: string | undefined): Promise<SessionRecord | null> {
  if (!token || token.length > MAX_TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) return null;
  const keys = sessionReadKeys(userId, sha256(token));
  const values = await opts.state.getMany(keys);
  const raw = values[0];
  const revokedAt = values[1] ?? null;
  if (!raw) return null;
  const session = parsed(raw);
  const now = opts.clock.now();
  if (session.userId !== userId || now >= session.expiresAt || now - session.seenAt >= opts.session.idleTimeoutMs) return null;
  if (revokedAt !== null && session.createdAt <= Number(revokedAt)) return null;
  if (now - session.seenAt < TOUCH_INTERVAL_MS) return session;
  const touched: SessionRecord = { ...session, seenAt: now };
  await opts.state.set(keys[0], JSON.stringify(touched), ttl(opts, touched, now));
  return touched;
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
 * that token stops working.
 */
export async function issueSession(
  opts: ResolvedOptions,
  userId: string,
  proof: { factorId: string; amr: string[] },
  previousToken: string | undefined,
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
    createdAt: now,
    expiresAt: now + opts.session.lifetimeMs,
    seenAt: now,
  };
  const token = TOKEN_PREFIX + opts.randomBytes(TOKEN_BYTES).toString('base64url');
  await opts.state.set(stateKeys.session(userId, sha256(token)), JSON.stringify(session), ttl(opts, session, now));
  return { token, session };
}

/** Ends one session; a token of another user or an unknown token ends nothing. */
export async function endSession(opts: ResolvedOptions, userId: string, token: string | undefined): Promise<void> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return;
  await opts.state.delete(stateKeys.session(userId, sha256(token)));
}

/**
 * Ends every session of the user at once: a mark with the time, kept as long as a session can
 * live, voids every session created up to now. Sessions issued later work.
 */
export async function revokeSessions(opts: ResolvedOptions, userId: string): Promise<void> {
  await opts.state.set(stateKeys.revoked(userId), String(opts.clock.now()), opts.session.lifetimeMs);
}

function ttl(opts: ResolvedOptions, session: SessionRecord, now: number): number {
  return Math.max(1, Math.min(opts.session.idleTimeoutMs, session.expiresAt - now));
}
