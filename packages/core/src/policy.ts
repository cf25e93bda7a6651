import type { ResolvedAcr } from './acr';
import { MfaError } from './errors';
import type { MfaUser } from './request';
import type { MfaState } from './request';
import type { Exemption, ProofContext } from './store/types';

/**
 * Who must use MFA, and what else counts. Every part is optional; without a policy every user
 * must use MFA, with no grace period, no upstream trust and no risk hook. Checked once, at
 * construction (`MfaError` `invalid_option`).
 *
 * @example
 * createMfa({
 *   issuer: 'Acme',
 *   policy: {
 *     required: { roles: ['admin', 'finance'] },
 *     enrollmentDeadline: '2027-01-31T00:00:00Z',
 *     trustedAmr: ['mfa', 'hwk'],
 *     trustedAcr: ['phrh'], // an SSO token with acr "phrh" meets routes that need a hardware key
 *     risk: ({ ip, last }) => last !== null && last.ip !== ip,
 *   },
 * });
 */
export interface MfaPolicy {
  /**
   * Who must use MFA: `'everyone'`, the users holding one of some roles (`{ roles: ['admin'] }`,
   * read from `user.roles`), or a predicate. A user who is not required but enrolled a factor
   * anyway must still use it: an opt-in cannot be bypassed. @defaultValue `'everyone'`
   */
  required?: 'everyone' | { roles: string[] } | ((user: MfaUser) => boolean | Promise<boolean>);
  /**
   * The enrollment grace period: a required user without a factor passes until this deadline
   * (a Date, an ISO 8601 string or milliseconds since the epoch; or a function of the user
   * answering one, or null for none), each answer carrying an `Mfa-Enrollment-Deadline` header;
   * after it, `403 mfa_enrollment_required`. @defaultValue no grace period
   */
  enrollmentDeadline?: Deadline | ((user: MfaUser) => Deadline | null | undefined | Promise<Deadline | null | undefined>);
  /**
   * Upstream SSO trust: a user whose primary credential carries one of these RFC 8176 `amr`
   * values (`user.amr`, e.g. from an OpenID Connect ID token) counts as having made an MFA proof
   * at `user.authTime` (seconds since the epoch, as OIDC's `auth_time`), judged by step-up windows
   * like any other proof and lasting as long as an MFA session would (`session.lifetime`). Without
   * `authTime` the claim is not trusted. @defaultValue `[]` (trust nothing)
   * @see RFC 8176 (amr values); OpenID Connect Core 1.0 section 2 (`amr`, `auth_time`)
   */
  trustedAmr?: string[];
  /**
   * Upstream SSO trust by assurance level: a user whose primary credential carries one of these
   * ACR values (`user.acr`, the `acr` claim of an OpenID Connect ID token or of an access token,
   * RFC 9470 section 4) counts as having made, at `user.authTime`, a proof with one of the methods
   * that `acr.values` gives the value: by default `phrh` a proof with `hwk`, `phr` one with `hwk`
   * or `swk`. It meets a route whose `methods` include every one of those methods (`phrh` meets
   * `['hwk']` and `['hwk', 'swk']`; `phr` meets `['hwk', 'swk']` but not `['hwk']`, since it may
   * have been a synced passkey) and any route without `methods`, and the request's `amr` lists
   * those methods (for `phr`, `['hwk', 'swk']`: one of them was used). It is judged by step-up
   * windows and lasts like a `trustedAmr` proof; without `authTime` it is not trusted. Each value
   * must be one of `acr.values`. @defaultValue `[]` (trust nothing)
   * @see RFC 9470 section 4 (`acr` in the token); OpenID Connect Core 1.0 section 2 (`acr`,
   *   `auth_time`); https://openid.net/specs/openid-connect-eap-acr-values-1_0.html (`phr`, `phrh`)
   */
  trustedAcr?: string[];
  /**
   * The risk hook: sees each request that would pass, with the user's last proof (where and when),
   * and answers true to demand a fresh proof (answered `401 mfa_stale` with `max_age=0`). Typical
   * use: a new network or device. An exception counts as true (fail closed). Called for each
   * request that would pass on a session or an upstream SSO's MFA (not on an inline code), after
   * one read of the user's record from the FactorStore. @defaultValue none
   */
  risk?: (context: RiskContext) => boolean | Promise<boolean>;
}

/** A point in time: a Date, an ISO 8601 string, or milliseconds since the epoch. */
export type Deadline = Date | string | number;

/** What the risk hook ({@link MfaPolicy.risk}) sees. */
export interface RiskContext {
  /** The user of the request. */
  user: MfaUser;
  /** The client address of the request, when the adapter knows it. */
  ip?: string;
  /** The request's User-Agent, when it sent one. */
  userAgent?: string;
  /** Where and when the user last proved a factor; null before the first proof. */
  last: ProofContext | null;
  /** What the request would pass with. */
  state: MfaState;
}

/** The policy with its defaults filled in, as the core reads it (`mfa.options.policy`). */
export interface ResolvedPolicy {
  /** Whether {@link MfaPolicy.required} requires MFA of the user. */
  isRequired(user: MfaUser): Promise<boolean>;
  /** The grace deadline of a user in ms, or null. */
  deadlineOf(user: MfaUser): Promise<number | null>;
  /** {@link MfaPolicy.trustedAmr}, checked. */
  trustedAmr: string[];
  /** {@link MfaPolicy.trustedAcr}, checked: each trusted ACR value -> the methods it stands for. */
  trustedAcr: ReadonlyMap<string, readonly string[]>;
  /** {@link MfaPolicy.risk}, or null without a risk hook. */
  risk: MfaPolicy['risk'] | null;
}

const AMR_VALUE = /^[a-z]{2,16}$/;

function invalid(message: string): never {
  throw new MfaError('invalid_option', message);
}

/** Milliseconds since the epoch of a deadline, or throws `invalid_option` naming `what`. */
export function deadlineMs(value: Deadline, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) invalid(`${what} must be a Date, an ISO 8601 string or milliseconds since the epoch`);
  return ms;
}

/** Checks a policy once, at construction, its `trustedAcr` against the ACR values of `acr`. */
export function resolvePolicy(policy: MfaPolicy | undefined, acr: ResolvedAcr): ResolvedPolicy {
  if (policy !== undefined && (policy === null || typeof policy !== 'object')) invalid('policy must be an object');
  const { required = 'everyone', enrollmentDeadline, trustedAmr = [], trustedAcr = [], risk } = policy ?? {};
  return {
    isRequired: requiredOf(required),
    deadlineOf: deadlineOf(enrollmentDeadline),
    trustedAmr: amrList(trustedAmr),
    trustedAcr: acrList(trustedAcr, acr),
    risk: risk === undefined ? null : typeof risk === 'function' ? risk : invalid('policy.risk must be a function'),
  };
}

function requiredOf(required: NonNullable<MfaPolicy['required']>): ResolvedPolicy['isRequired'] {
  if (required === 'everyone') return async () => true;
  if (typeof required === 'function') return async (user) => (await required(user)) === true;
  if (typeof required === 'object' && Array.isArray(required.roles) && required.roles.every((r) => typeof r === 'string' && r !== '')) {
    const roles = new Set(required.roles);
    return async (user) => Array.isArray(user.roles) && user.roles.some((role) => roles.has(role));
  }
  return invalid("policy.required must be 'everyone', { roles: [...] } or a function of the user");
}

function deadlineOf(deadline: MfaPolicy['enrollmentDeadline']): ResolvedPolicy['deadlineOf'] {
  if (deadline === undefined) return async () => null;
  if (typeof deadline === 'function') {
    return async (user) => {
      const value = await deadline(user);
      return value === null || value === undefined ? null : deadlineMs(value, 'policy.enrollmentDeadline(user)');
    };
  }
  const ms = deadlineMs(deadline, 'policy.enrollmentDeadline');
  return async () => ms;
}

function amrList(values: unknown): string[] {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' && AMR_VALUE.test(v))) {
    invalid("policy.trustedAmr must be a list of RFC 8176 values such as 'mfa' or 'hwk'");
  }
  return [...values];
}

function acrList(values: unknown, acr: ResolvedAcr): ReadonlyMap<string, readonly string[]> {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) invalid("policy.trustedAcr must be a list of ACR values such as 'phrh'");
  const trusted = new Map<string, readonly string[]>();
  for (const value of values) {
    const methods = acr.methodsOf.get(value);
    if (!methods) invalid(`policy.trustedAcr: ${JSON.stringify(value)} is not one of acr.values (${[...acr.methodsOf.keys()].join(', ') || 'none'})`);
    trusted.set(value, methods);
  }
  return trusted;
}

/** An exemption that still applies at `now`; an expired one is no exemption. */
export function liveExemption(exemption: Exemption | null | undefined, now: number): Exemption | null {
  return exemption && exemption.expiresAt > now ? exemption : null;
}
