import { MfaError } from './errors';
import { type Duration, toMs } from './lib/duration';
import type { MfaUser } from './options';

/** A request as an adapter hands it to the core: plain data, no framework objects. */
export interface MfaRequest {
  /** The user of the primary authentication, or null when there is none. */
  user: MfaUser | null;
  /** The MFA session token from `X-Session-Token` or the session cookie. */
  sessionToken?: string;
  /** A one-time code sent inline in `X-MFA-Token`. */
  inlineCode?: string;
  ip?: string;
  /** The client's User-Agent, for the risk hook and the record of the last proof. */
  userAgent?: string;
}

/** What a route demands of the MFA session. */
export interface Requirement {
  /** The last proof must be at most this old, in seconds (step-up). */
  maxAge?: number;
  /** At least one of these RFC 8176 methods must have been proved (e.g. `['hwk']`). */
  methods?: string[];
  /** Demand MFA of every user who is not exempt, whatever `policy.required` says. */
  always?: boolean;
}

const MAX_USER_ID_LENGTH = 256;

/** The user id when it is one mfakit can key state on; null otherwise. */
export function userIdOf(user: MfaUser | null): string | null {
  const id = user?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_USER_ID_LENGTH ? id : null;
}

/**
 * The MFA user of an authenticated principal as frameworks hold it (passport's `req.user`, Koa's
 * `ctx.state.user`, a decoded JWT): the id from `id` or else `sub`, and, when present with the
 * right types, `roles`, `amr` and the time of the primary authentication (`authTime` or OIDC's
 * `auth_time`, seconds). Null without a usable id. The adapters' default `getUser`.
 *
 * @example
 * mfaUserOf({ sub: 'alice', amr: ['pwd', 'mfa'], auth_time: 1767225600 }); // { id: 'alice', amr: [...], authTime: 1767225600 }
 */
export function mfaUserOf(principal: unknown): MfaUser | null {
  if (principal === null || typeof principal !== 'object') return null;
  const p = principal as Record<string, unknown>;
  const id = p.id ?? p.sub;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
  const roles = strings(p.roles);
  const amr = strings(p.amr);
  const authTime = p.authTime ?? p.auth_time;
  return {
    id: String(id),
    ...(roles ? { roles } : {}),
    ...(amr ? { amr } : {}),
    ...(typeof authTime === 'number' && Number.isFinite(authTime) ? { authTime } : {}),
  };
}

/**
 * Validates a route's requirement once, when the middleware is built: `maxAge` as a Duration
 * (`300`, `'5m'`), `methods` as RFC 8176 values, `always` to demand MFA of users the policy does
 * not require. Throws `invalid_option`.
 */
export function requirementOf(options: { maxAge?: Duration; methods?: string[]; always?: boolean }, route = 'requireMfa'): Requirement {
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
  return requirement;
}
