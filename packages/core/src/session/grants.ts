import { createHash, timingSafeEqual } from 'node:crypto';
import type { MfaContext } from '../context';
import { stateKeys } from '../lib/keys';
import { sha256 } from '../lib/random';
import { denial, type Failure, type Outcome, success } from '../outcome';
import type { MfaRequest } from '../request';
import type { Proved } from '../verify';
import { revokes } from './sessions';

/**
 * The request a step-up grant is made for: its method, its target (path and query, as the client
 * will send it) and, to bind the grant to one body, that body's digest in RFC 9530
 * `Content-Digest` syntax (`sha-256=:<base64>:`, or `sha-512`).
 *
 * @example
 * const action: StepUpAction = { method: 'POST', path: '/api/payees', digest: 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:' };
 */
export interface StepUpAction {
  /** The HTTP method, in upper case. */
  method: string;
  /** The request target: path and query, e.g. `/api/payees` or `/api/search?q=1`. */
  path: string;
  /** The digest of the exact body the request will carry (RFC 9530). */
  digest?: string;
}

/** A step-up grant as the client receives it: sent once, as `X-MFA-Grant`, with the request it was made for. */
export interface Granted {
  /** The grant (`mfg_` and 43 base64url characters); the store keeps only its hash. */
  grant: string;
  /** When it lapses, unused (ms since the epoch). */
  expiresAt: number;
  /** RFC 8176 methods of the proof it carries. */
  amr: string[];
  /** When the proof was made (ms since the epoch). */
  authTime: number;
  /** The factor that made the proof; `'recovery'` for a recovery code. */
  factorId: string;
  /** For a recovery code: how many unused codes are left. */
  recoveryCodesRemaining?: number;
}

/** What the state store keeps of a grant, under the hash of its token, until it is spent or lapses: the proof it carries. */
export interface GrantProof {
  userId: string;
  method: string;
  path: string;
  digest?: string;
  methods: Record<string, number>;
  factorId: string;
  authTime: number;
  /** When checking the proof began: a revocation from then on voids the grant. */
  createdAt: number;
  expiresAt: number;
}

/** How long a grant lasts unused; a route's `maxAge` may make it shorter. */
export const GRANT_LIFETIME_MS = 5 * 60_000;
const TOKEN_PREFIX = 'mfg_';
const TOKEN_BYTES = 32;
const MAX_PATH_LENGTH = 2048;
const METHOD = /^[A-Za-z]{1,16}$/;
// A request target in origin form (RFC 9112 3.2.1): visible ASCII only, starting with a slash.
const PATH = /^\/[\x21-\x7e]*$/;
// RFC 9530 Content-Digest, one member: an algorithm and its byte sequence (RFC 8941 sf-binary).
const DIGEST = /^(sha-256|sha-512)=:([A-Za-z0-9+/]+={0,2}):$/;
const DIGEST_BYTES = { 'sha-256': 32, 'sha-512': 64 } as const;

/**
 * The action of a `POST /mfa/verify` (or WebAuthn authentication) body, checked: null when it is
 * not `{ method, path, digest? }` with a method token, a path in origin form of at most 2048
 * characters, and a digest as RFC 9530 writes one (`sha-256` or `sha-512`).
 */
export function actionOf(value: unknown): StepUpAction | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { method, path, digest, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof method !== 'string' || !METHOD.test(method)) return null;
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !PATH.test(path)) return null;
  if (digest !== undefined && (typeof digest !== 'string' || !digestOf(digest))) return null;
  return digest === undefined ? { method: method.toUpperCase(), path } : { method: method.toUpperCase(), path, digest };
}

/** What the client must send for an action, for the error of a malformed one. */
export const ACTION_HELP = '"action": {"method": "POST", "path": "/api/...", "digest": "sha-256=:<base64>: (optional)"}';

function digestOf(text: string): { algorithm: 'sha-256' | 'sha-512'; bytes: Buffer } | null {
  const match = DIGEST.exec(text.trim());
  if (!match) return null;
  const algorithm = match[1] as 'sha-256' | 'sha-512';
  const bytes = Buffer.from(match[2]!, 'base64');
  return bytes.length === DIGEST_BYTES[algorithm] ? { algorithm, bytes } : null;
}

/**
 * Records a proof made for one action and issues its grant. The user's MFA session is neither
 * opened, extended nor replaced: the grant is a proof for that request alone.
 */
export async function issueGrant(opts: MfaContext, userId: string, proved: Proved, action: StepUpAction, startedAt: number): Promise<Granted> {
  const now = opts.clock.now();
  const record: GrantProof = {
    userId,
    ...action,
    methods: Object.fromEntries(proved.amr.map((method) => [method, now])),
    factorId: proved.factorId,
    authTime: now,
    createdAt: Math.min(startedAt, now),
    expiresAt: now + GRANT_LIFETIME_MS,
  };
  const grant = TOKEN_PREFIX + opts.randomBytes(TOKEN_BYTES).toString('base64url');
  await opts.state.set(stateKeys.grant(userId, sha256(grant)), JSON.stringify(record), GRANT_LIFETIME_MS);
  const granted: Granted = { grant, expiresAt: record.expiresAt, amr: [...proved.amr], authTime: now, factorId: proved.factorId };
  return proved.recoveryCodesRemaining === undefined ? granted : { ...granted, recoveryCodesRemaining: proved.recoveryCodesRemaining };
}

const invalidGrant = (detail: string): Failure => denial('mfa_grant_invalid', detail, { challenge: { maxAge: 0 } });

/**
 * Spends the request's grant (one atomic read-and-delete: of two requests with one grant, on any
 * instance, one gets it) and checks it was made for this user, method, path and body, is live,
 * and was not voided by a revocation, and, where the route binds bodies (`bindBody`), that it names
 * a digest. A grant that fails a check is spent all the same. Answers the proof it carries, for
 * the route to judge like a session's.
 */
export async function spendGrant(opts: MfaContext, req: MfaRequest & { grant: string }, userId: string, bindBody: boolean): Promise<Outcome<GrantProof>> {
  const { grant } = req;
  if (!grant.startsWith(TOKEN_PREFIX)) return invalidGrant('The X-MFA-Grant header holds no step-up grant.');
  const key = stateKeys.grant(userId, sha256(grant));
  const raw = await opts.state.consume(key);
  if (raw === null) return invalidGrant('The step-up grant is unknown, expired or already used: prove a factor for this request again.');
  const record = JSON.parse(raw) as GrantProof;
  const revoked = await opts.state.get(stateKeys.revoked(userId));
  if (record.userId !== userId || opts.clock.now() >= record.expiresAt || (revoked !== null && revokes(revoked, record, key))) {
    return invalidGrant('The step-up grant has expired or was revoked: prove a factor for this request again.');
  }
  const target = req.target;
  if (!target || target.method !== record.method || target.path !== record.path) {
    return invalidGrant(`The step-up grant was made for ${record.method} ${record.path}, not for this request.`);
  }
  if (bindBody && record.digest === undefined) {
    return invalidGrant('This action needs a step-up grant bound to its body: name the digest of the body in the action.');
  }
  if (record.digest !== undefined && !bodyMatches(opts, record.digest, req.rawBody)) {
    return invalidGrant('The request body differs from the one the step-up grant was made for.');
  }
  return success(record);
}

/** Whether the body has the digest the grant names; a body the adapter could not read never does. */
function bodyMatches(opts: MfaContext, digest: string, body: Uint8Array | string | undefined): boolean {
  if (body === undefined) {
    opts.logger.error(
      'a step-up grant names a body digest, but the adapter has no raw body to check it against: keep it as req.rawBody ' +
        '(Express: express.json({ verify: keepRawBody }); NestJS: rawBody: true; Koa: @koa/bodyparser), so the grant was refused',
    );
    return false;
  }
  const named = digestOf(digest);
  if (!named) return false;
  const actual = createHash(named.algorithm.replace('-', '')).update(body).digest();
  return timingSafeEqual(actual, named.bytes);
}
