import { MfaError } from './errors';
import { type Duration, toMs } from './lib/duration';

/**
 * The user the application's primary authentication established, as the adapters hand it to the
 * core (by default {@link mfaUserOf} of passport's `req.user` or Koa's `ctx.state.user`). mfakit
 * keys all its state on `id`.
 *
 * @example
 * const user: MfaUser = { id: 'u_42', roles: ['admin'], amr: ['pwd'], authTime: 1767225600 };
 */
export interface MfaUser {
  /** The user's stable id, 1 to 256 characters; without a usable one a request answers 401 `authentication_required`. */
  id: string;
  /** The user's roles, for `policy.required: { roles }`. */
  roles?: string[];
  /** RFC 8176 methods of the primary authentication (e.g. an SSO's ID token), for `policy.trustedAmr`. */
  amr?: string[];
  /** When the primary authentication happened, in seconds since the epoch (OIDC `auth_time`). */
  authTime?: number;
  /**
   * The assurance level of the primary authentication (OIDC's `acr` claim, RFC 9470 section 4),
   * e.g. `'phrh'`, for `policy.trustedAcr`.
   */
  acr?: string;
}

/**
 * The MFA state of a request, as adapters expose it to handlers (`req.mfa`, `ctx.state.mfa`).
 * A request that passed without a proof (an exempt user, a user the policy does not require, or
 * one within the enrollment grace period) has empty `amr` and null times and `factorId`.
 *
 * @example
 * app.post('/api/transfers', requireMfa(mfa, { maxAge: '5m' }), (req, res) => {
 *   const { userId, amr, authTime } = req.mfa!; // set by requireMfa of @mfakit/express
 *   audit('transfer', { userId, amr, provedAt: authTime });
 * });
 */
export interface MfaState {
  /** The user's id. */
  userId: string;
  /** True when the user passed as exempt: the `exempt` option, or a granted exemption in force. */
  exempt: boolean;
  /** RFC 8176 authentication method references of the proofs in this session. */
  amr: string[];
  /** When the last proof was made (ms since the epoch). */
  authTime: number | null;
  /** When the session ends at the latest (ms since the epoch); the idle timeout may end it sooner. */
  expiresAt: number | null;
  /** The factor of the last proof; `'upstream'` ({@link UPSTREAM_FACTOR_ID}) for an upstream SSO's MFA. */
  factorId: string | null;
}

/**
 * A request as an adapter hands it to the core: plain data, no framework objects. Build one with
 * `mfaRequestOf` of `@mfakit/core/http`.
 *
 * @example
 * const decision = await mfa.check({ user: { id: 'alice' }, sessionToken: req.get('x-session-token'), ip: req.ip });
 */
export interface MfaRequest {
  /** The user of the primary authentication, or null when there is none. */
  user: MfaUser | null;
  /** The MFA session token from `X-Session-Token` or the session cookie. */
  sessionToken?: string;
  /**
   * Set when the request carried the `mfa_session` cookie but the cookie was not read, because the
   * request changes state and a cross-site form could have sent it (see `SESSION_COOKIE`): no JSON
   * `Content-Type`, no `X-Requested-With`, or `Sec-Fetch-Site: cross-site`. The request has no
   * session token, and an `mfa_required` denial tells the client what to send instead.
   */
  cookieRefused?: true;
  /** A one-time code sent inline in `X-MFA-Token`. */
  inlineCode?: string;
  /** A step-up grant sent in `X-MFA-Grant`, made for this request's method and path (see `Requirement.once`). */
  grant?: string;
  /**
   * The request's method (upper case) and target (path and query, as the client sent it, e.g.
   * `/api/payees?draft=1`): what a step-up grant must have been made for.
   */
  target?: {
    /** The method, in upper case. */
    method: string;
    /** Path and query. */
    path: string;
  };
  /**
   * The exact bytes of the request's body (empty for none), when the adapter has them: what the
   * digest a grant names is checked against. A grant that names a digest is refused when they
   * are missing.
   */
  rawBody?: Uint8Array | string;
  /** The client's address, for the audit events, the risk hook and the record of the last proof. */
  ip?: string;
  /** The client's User-Agent, for the risk hook and the record of the last proof. */
  userAgent?: string;
}

/**
 * What a route demands of the MFA session, as `requirementOf` of `@mfakit/core/http` makes it from a route's
 * options. A session that falls short is answered 401 with the RFC 9470 challenge: `mfa_stale`
 * (`max_age`) or `mfa_method_required` (`acr_values`: the ACR value of `acr.values` that stands
 * for exactly these methods, such as `phrh` for `['hwk']`, or else the methods).
 * @see RFC 9470 (step-up authentication challenge); RFC 8176 (amr values)
 */
export interface Requirement {
  /** The last proof must be at most this old, in seconds (step-up); with `methods`, the last proof of one of them. */
  maxAge?: number;
  /**
   * At least one of these RFC 8176 methods must have been proved (e.g. `['hwk']`). mfakit records
   * `otp` (TOTP, HOTP, recovery codes), `sms`, `email`, `hwk` / `swk` (a device-bound key / a
   * synced passkey), `user` (presence only) and `mfa` (see `webauthn.userVerifiedIsMfa`).
   */
  methods?: string[];
  /** Demand MFA of every user who is not exempt, whatever `policy.required` says. */
  always?: boolean;
  /**
   * A proof made for this request alone: a step-up grant (`X-MFA-Grant`) made for its method and
   * path, or an inline code; a session never satisfies it. `bindBody`: the grant must also name
   * the digest of the request's body. With `once`, `maxAge` is 300 unless the route says otherwise.
   */
  once?: {
    /** The grant must name the digest of the request's body. */
    bindBody: boolean;
  };
}

/**
 * What a protected route demands, as an application writes it (`requireMfa(mfa, options)`,
 * `@RequireMFA(options)`): checked once by {@link requirementOf}, when the route is built.
 *
 * @example
 * const stepUp: RequirementOptions = { maxAge: '5m', methods: ['hwk'] };
 */
export interface RequirementOptions {
  /**
   * Step-up: the last proof must be at most this old (seconds, or a Duration such as '5m'), else
   * 401 `mfa_stale` with the RFC 9470 challenge (`max_age`). With `methods`, the last proof of one
   * of those methods counts.
   * @default `undefined`: any live session passes
   * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
   */
  maxAge?: Duration;
  /**
   * At least one of these RFC 8176 methods must have been proved, e.g. `['hwk']` for a security
   * key, `['otp']` for an app code; else 401 `mfa_method_required` with `acr_values` (`phrh` for
   * `['hwk']`, `phr` for `['hwk', 'swk']`, the methods otherwise: see the `acr` option).
   * @default `undefined`: any factor
   * @see https://www.rfc-editor.org/rfc/rfc8176 (authentication method reference values)
   */
  methods?: string[];
  /** Demand MFA even of users whom the policy (`policy.required`) does not require; exempt users still pass. @default false */
  always?: boolean;
  /**
   * Step-up bound to one action: only a proof made for this very request passes, a step-up grant
   * (`X-MFA-Grant`, from `POST /mfa/verify` with an `action` naming this method and path, spent on
   * first use) or an inline code (`X-MFA-Token`); an MFA session never does. The challenge says
   * `max_age=0`. `{ bindBody: true }`: the grant must also name the digest of this request's body
   * (RFC 9530 `Content-Digest` syntax), which the adapter checks against the raw body.
   * `maxAge` defaults to 300 seconds here: the grant must be at most that old.
   * @default false
   * @see https://www.rfc-editor.org/rfc/rfc9470 (max_age=0); https://www.rfc-editor.org/rfc/rfc9530 (digests)
   */
  once?:
    | boolean
    | {
        /** The grant must also name the digest of the request's body (RFC 9530). @default false */
        bindBody?: boolean;
      };
}

const MAX_USER_ID_LENGTH = 256;
/** How old a step-up grant may be on a `once` route that names no `maxAge`. */
const ONCE_MAX_AGE_SECONDS = 300;

/** The user id when it is one mfakit can key state on; null otherwise. */
export function userIdOf(user: MfaUser | null): string | null {
  const id = user?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_USER_ID_LENGTH ? id : null;
}

/**
 * The user id, checked where the core's methods take one from the application (the HTTP routes
 * answer 401 before they get here): an empty or over-long id would key state that belongs to no
 * one, and on a Redis Cluster an empty one is no hash tag at all.
 * @throws MfaError `invalid_user` when it is not a string of 1 to 256 characters.
 */
export function checkedUserId(id: unknown): string {
  if (typeof id === 'string' && id.length > 0 && id.length <= MAX_USER_ID_LENGTH) return id;
  const got = typeof id === 'string' ? `a string of ${id.length} characters` : id === null ? 'null' : typeof id;
  throw new MfaError('invalid_user', `A user id must be a string of 1 to ${MAX_USER_ID_LENGTH} characters; got ${got}.`);
}

/**
 * The MFA user of an authenticated principal as frameworks hold it (passport's `req.user`, Koa's
 * `ctx.state.user`, a decoded JWT): the id from `id` or else `sub`, and, when present with the
 * right types, `roles`, `amr`, `acr` (a string) and the time of the primary authentication
 * (`authTime` or OIDC's `auth_time`, seconds). Null without a usable id. The adapters' default
 * `getUser`.
 *
 * @param principal - The authenticated principal, of any shape.
 * @returns The user, or null when `id` / `sub` is neither a string nor a number.
 * @see RFC 8176 and OpenID Connect Core 1.0 section 2 (`amr`, `acr`, `auth_time`)
 * @example
 * mfaUserOf({ sub: 'alice', amr: ['pwd', 'mfa'], auth_time: 1767225600 }); // { id: 'alice', amr: [...], authTime: 1767225600 }
 * mfaUserOf({ sub: 'bob', acr: 'phrh', auth_time: 1767225600 }); // { id: 'bob', acr: 'phrh', authTime: 1767225600 }
 */
export function mfaUserOf(principal: unknown): MfaUser | null {
  if (principal === null || typeof principal !== 'object') return null;
  const p = principal as Record<string, unknown>;
  const id = p.id ?? p.sub;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  // Called on every protected request: plain assignments, no spreads or closures.
  const user: MfaUser = { id: typeof id === 'string' ? id : String(id) };
  if (isStringList(p.roles)) user.roles = p.roles;
  if (isStringList(p.amr)) user.amr = p.amr;
  if (typeof p.acr === 'string') user.acr = p.acr;
  const authTime = p.authTime ?? p.auth_time;
  if (typeof authTime === 'number' && Number.isFinite(authTime)) user.authTime = authTime;
  return user;
}

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * Validates a route's requirement once, when the middleware is built: `maxAge` as a Duration
 * (`300`, `'5m'`), `methods` as RFC 8176 values, `always` to demand MFA of users the policy does
 * not require. Throws `invalid_option`.
 *
 * @param options - The route's `maxAge`, `methods` and `always`.
 * @param route - The name of the route's builder in error messages (default `'requireMfa'`).
 * @returns The requirement for `mfa.check` and `guard`, `maxAge` in seconds.
 * @throws MfaError `invalid_option` for a malformed `maxAge`, an empty or malformed `methods`
 *   list (lower-case letters, 2 to 16), or an `always` that is not a boolean.
 * @see RFC 9470 (step-up); RFC 8176 (amr values)
 * @example
 * const requirement = requirementOf({ maxAge: '5m', methods: ['hwk'] }); // { maxAge: 300, methods: ['hwk'] }
 * const decision = await mfa.check(request, requirement);
 */
export function requirementOf(options: RequirementOptions, route = 'requireMfa'): Requirement {
  const requirement: Requirement = {};
  if (options.always !== undefined) {
    if (typeof options.always !== 'boolean') throw new MfaError('invalid_option', `${route} always must be true or false`);
    if (options.always) requirement.always = true;
  }
  if (options.maxAge !== undefined) requirement.maxAge = toMs(options.maxAge, `${route} maxAge`) / 1000;
  if (options.methods !== undefined) {
    const { methods } = options;
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string' && /^[a-z]{2,16}$/.test(m))) {
      throw new MfaError('invalid_option', `${route} methods must be a non-empty list of RFC 8176 values such as 'otp' or 'hwk'`);
    }
    requirement.methods = [...methods];
  }
  if (options.once !== undefined && options.once !== false) {
    const { once } = options;
    const bindBody = typeof once === 'object' && once !== null ? once.bindBody : false;
    if ((once !== true && (typeof once !== 'object' || once === null)) || (bindBody !== undefined && typeof bindBody !== 'boolean')) {
      throw new MfaError('invalid_option', `${route} once must be true, false or { bindBody: true | false }`);
    }
    requirement.once = { bindBody: bindBody === true };
    requirement.maxAge ??= ONCE_MAX_AGE_SECONDS;
  }
  return requirement;
}
