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
}

/** What a route demands of the MFA session. */
export interface Requirement {
  /** The last proof must be at most this old, in seconds (step-up). */
  maxAge?: number;
  /** At least one of these RFC 8176 methods must have been proved (e.g. `['hwk']`). */
  methods?: string[];
}

const MAX_USER_ID_LENGTH = 256;

/** The user id when it is one mfakit can key state on; null otherwise. */
export function userIdOf(user: MfaUser | null): string | null {
  const id = user?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_USER_ID_LENGTH ? id : null;
}

/**
 * Validates a route's requirement once, when the middleware is built: `maxAge` as a Duration
 * (`300`, `'5m'`), `methods` as RFC 8176 values. Throws `invalid_option`.
 */
export function requirementOf(options: { maxAge?: Duration; methods?: string[] }, route = 'requireMfa'): Requirement {
  const requirement: Requirement = {};
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
