import { MfaError } from './errors';

/**
 * Authentication context class (ACR) values, the assurance levels that an authorization server
 * and its clients speak (the `acr` option of `createMfa`). RFC 9470 section 3: the `acr_values`
 * of a step-up challenge is a space-separated list of the ACR values the client should request
 * from the authorization server; section 4: the server states the level it met in the token's
 * `acr` claim.
 *
 * `values` maps each ACR value to the RFC 8176 methods a proof at that level may have been made
 * with (any one of them). It is read two ways:
 * - the challenge: a route whose `methods` are exactly one value's methods (as a set: order and
 *   repeats aside) is challenged with that value, e.g. `methods: ['hwk']` with
 *   `acr_values="phrh"` and `['hwk', 'swk']` or `['swk', 'hwk']` with `acr_values="phr"`; any
 *   other `methods` (`['otp']`, `['swk']`, `['hwk', 'otp']`, `['hwk', 'swk', 'otp']`) with the
 *   methods themselves, as RFC 8176 values;
 * - upstream trust: an `acr` claim (`user.acr`) that `policy.trustedAcr` lists counts as a proof,
 *   made at `user.authTime`, of a route whose `methods` include every method of its value (so
 *   `phr`, which may have been a synced passkey, does not meet `['hwk']`) and of any route
 *   without `methods`.
 *
 * @example
 * createMfa({
 *   issuer: 'Acme',
 *   acr: { values: { 'urn:acme:loa:4': ['hwk'], 'urn:acme:loa:3': ['hwk', 'swk'] } },
 *   policy: { trustedAcr: ['urn:acme:loa:4'] },
 * });
 * @see RFC 9470 sections 3 and 4 (`acr_values`, `acr`);
 *   https://openid.net/specs/openid-connect-eap-acr-values-1_0.html (OpenID EAP ACR Values 1.0: `phr`, `phrh`)
 */
export interface AcrOptions {
  /**
   * Each ACR value (1 to 255 printable characters, no space, `"` or `\`) with the non-empty list
   * of distinct RFC 8176 methods it stands for; no two values for the same methods. Replaces the
   * defaults whole: spread {@link DEFAULT_ACR_VALUES} to keep them, or give `{}` to challenge with
   * the methods alone.
   * @defaultValue {@link DEFAULT_ACR_VALUES}: `{ phrh: ['hwk'], phr: ['hwk', 'swk'] }`
   */
  values?: Record<string, readonly string[]>;
}

/**
 * The ACR values of the OpenID Connect Extended Authentication Profile (EAP ACR Values 1.0,
 * section 2), as the RFC 8176 methods a proof at each level may have been made with: `phrh`
 * (phishing-resistant, hardware-protected) a device-bound key, `phr` (phishing-resistant) any
 * passkey, device-bound or synced. What {@link AcrOptions.values} is by default; spread it to keep
 * these values beside an organisation's own.
 *
 * @example
 * createMfa({ issuer: 'Acme', acr: { values: { ...DEFAULT_ACR_VALUES, 'urn:acme:gold': ['hwk', 'otp'] } } });
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html (OpenID EAP ACR Values 1.0)
 */
export const DEFAULT_ACR_VALUES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  phrh: Object.freeze(['hwk']),
  phr: Object.freeze(['hwk', 'swk']),
});

/** The ACR mapping checked and indexed both ways, as the core reads it. */
export interface ResolvedAcr {
  /** An ACR value -> the distinct methods it stands for, sorted. */
  methodsOf: ReadonlyMap<string, readonly string[]>;
  /** The methods of each value as one key (sorted, space-joined) -> the value: what a challenge names. */
  valueFor: ReadonlyMap<string, string>;
}

/**
 * An ACR value as it can stand in the challenge's space-separated, quoted `acr_values`: 1 to 255
 * printable ASCII characters other than space, `"` and `\` (RFC 6749 appendix A's NQCHAR, as for
 * a scope token), so a URI such as `urn:acme:loa:gold` will do.
 */
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]{1,255}$/;
const AMR_VALUE = /^[a-z]{2,16}$/; // RFC 8176 values are short lower-case words, as requirementOf checks

function invalid(message: string): never {
  throw new MfaError('invalid_option', message);
}

/** A set of methods as one string: sorted, space-joined (the order of a route's `methods` does not matter). */
const methodsKey = (methods: readonly string[]): string => [...new Set(methods)].sort().join(' ');

/**
 * Checks the `acr` option once, at construction: each ACR value well formed, each standing
 * for a non-empty list of distinct RFC 8176 methods, and no two values for the same methods (a
 * challenge could name either). Throws `invalid_option`.
 */
export function resolveAcr(acr: AcrOptions | undefined): ResolvedAcr {
  if (acr !== undefined && (acr === null || typeof acr !== 'object')) invalid('acr must be an object such as { values: { phrh: [...] } }');
  const values = acr?.values === undefined ? DEFAULT_ACR_VALUES : acr.values;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) invalid("acr.values must map each ACR value to RFC 8176 methods, e.g. { phrh: ['hwk'] }");
  const methodsOf = new Map<string, readonly string[]>();
  const valueFor = new Map<string, string>();
  for (const [value, methods] of Object.entries(values)) {
    if (!ACR_VALUE.test(value)) invalid(`acr.values: ${JSON.stringify(value)} is not an ACR value (1 to 255 printable characters, no space, '"' or '\\')`);
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string' && AMR_VALUE.test(m))) {
      invalid(`acr.values.${value} must be a non-empty list of RFC 8176 values such as 'hwk' or 'swk'`);
    }
    if (new Set(methods).size !== methods.length) invalid(`acr.values.${value} names a method twice`);
    const key = methodsKey(methods);
    const other = valueFor.get(key);
    if (other !== undefined) invalid(`acr.values: ${other} and ${value} stand for the same methods (${key}); a challenge could name either`);
    methodsOf.set(value, Object.freeze(key.split(' ')));
    valueFor.set(key, value);
  }
  return { methodsOf, valueFor };
}

/**
 * The `acr_values` of the challenge for a route's methods: the one ACR value that stands for
 * exactly these methods (in any order), or else the methods themselves, as RFC 8176 values.
 *
 * @example
 * acrValuesFor(resolveAcr(undefined), ['swk', 'hwk']); // ['phr']
 * acrValuesFor(resolveAcr(undefined), ['otp']); // ['otp']
 */
export function acrValuesFor(acr: ResolvedAcr, methods: readonly string[]): string[] {
  const value = acr.valueFor.get(methodsKey(methods));
  return value === undefined ? [...methods] : [value];
}
