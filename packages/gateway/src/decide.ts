import type { Mfa, MfaUser, Requirement } from '@mfakit/core';
import { guard, type HttpResult, mfaRequestOf, problemResponse, requirementOf, withRawBody } from '@mfakit/core/http';
import type { IncomingHttpHeaders } from 'node:http';
import { compileRules } from './rules';
import type { TokenFailure, TokenVerifier } from './tokens';
import type { Policy, Rule } from './types';

/** The request a verdict is about: the original one, as the gateway or a proxy received it. */
export interface GatewayRequest {
  /** The method as sent (matched exactly). */
  method: string;
  /** The normalized path (see `normalizePath`): what the rules match and what the upstream gets. */
  path: string;
  /**
   * The query as sent, with its `?` (`''` for none). A step-up grant must name the normalized path
   * and this query (`/api/payees?draft=1`): the request the rules judged and the upstream gets.
   */
  query: string;
  /** The host name, without the port. */
  host: string;
  /** The request's headers: the token, the MFA credentials, the User-Agent. */
  headers: IncomingHttpHeaders;
  /** The client's address, when known. */
  ip: string | undefined;
  /** The body's exact bytes, when standalone mode read them before the decision (see `compileBodyBinding`). */
  rawBody?: Uint8Array;
  /**
   * True for forward auth: the proxy keeps the body. A grant is then never checked against a body
   * (one that names a digest is refused), and a rule that binds grants to the body refuses.
   */
  bodyUnseen?: boolean;
}

/**
 * The identity headers the gateway gives the upstream on every request it lets through, and a
 * proxy on every forward-auth 200: empty when unknown, so that a copy the client sent is always
 * replaced. `X-MFA-User` is the token's user, `X-MFA-AMR` the RFC 8176 methods of the MFA session
 * (comma-separated), `X-MFA-Auth-Time` the time of its last proof (seconds since the epoch).
 */
export const IDENTITY_HEADERS = ['x-mfa-user', 'x-mfa-amr', 'x-mfa-auth-time'] as const;

/** Identity headers with nothing known: the answer of a request no user or no MFA stands behind. */
const NO_IDENTITY: Readonly<Record<(typeof IDENTITY_HEADERS)[number], string>> = Object.freeze({ 'x-mfa-user': '', 'x-mfa-amr': '', 'x-mfa-auth-time': '' });

/**
 * What the gateway decided: `{ allow: true, identity, headers }` lets the request through with the
 * identity headers for the upstream and the headers for the client (a new `X-Session-Token` after
 * an inline code); `{ allow: false, response }` answers it instead.
 */
export type Verdict = { allow: true; identity: Record<string, string>; headers: Readonly<Record<string, string>> } | { allow: false; response: HttpResult };

/** What `mfa` demands without `max_age` or `factors`: a live session, as `requireMfa()`. */
const ANY_SESSION: Requirement = {};
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const DENIED = problemResponse({ code: 'forbidden', detail: 'The gateway does not let this request through.' });
const NO_USER = problemResponse({ code: 'forbidden', detail: 'This token names no user (a client credentials token?), and only a user can prove MFA.' });
const BODY_UNSEEN = problemResponse({
  code: 'forbidden',
  detail: "This request needs a step-up grant bound to its body, which forward auth does not see: send it through the gateway's standalone mode.",
});

/**
 * The gateway's one decision, the same in standalone and forward-auth mode: the bearer token is
 * verified, the first rule that holds picks the policy, and for `mfa` the core decides (`guard`,
 * as `requireMfa` of the adapters does, so `policy.required` and exemptions apply). `bypass`
 * needs no token; `authenticated` needs a valid one; `deny` is a 403. A missing token is a 401 `authentication_required`, a bad one a 401
 * `invalid_token`, both with `WWW-Authenticate: Bearer`. On a `once` rule the core takes only a
 * step-up grant (`X-MFA-Grant`) made for the method, the normalized path and the query, or an
 * inline code; a rule that binds grants to the body is a 403 when the body is unseen (forward auth).
 *
 * @example
 * const decide = createDecider(mfa, config, createTokenVerifier(config.tokens));
 * const verdict = await decide({ method: 'GET', path: '/api/orders', query: '?page=2', host: 'api.example.com', headers, ip });
 */
export function createDecider(mfa: Mfa, config: { rules: readonly Rule[]; defaultPolicy: Policy }, tokens: TokenVerifier): (request: GatewayRequest) => Promise<Verdict> {
  const match = compileRules(config.rules, config.defaultPolicy);
  // Each rule's requirement, checked once here: a bad `max_age` or `factors` fails at start.
  const requirements = new Map<Rule, Requirement>(config.rules.map((rule, index) => [rule, requirementOfRule(rule, index)]));

  return async function decide(request) {
    const token = await tokens.verify(first(request.headers.authorization));
    const user = token.kind === 'valid' ? token.user : null;
    const matched = match(request, user ? { id: user.id, roles: user.roles ?? [] } : null);
    switch (matched.policy) {
      case 'deny':
        return { allow: false, response: DENIED };
      case 'bypass':
        return { allow: true, identity: user ? identityOf(user) : NO_IDENTITY, headers: NO_HEADERS };
      default:
        break;
    }
    if (token.kind === 'none') return { allow: false, response: problemResponse({ code: 'authentication_required', detail: 'Send an access token: Authorization: Bearer <token>.' }) };
    if (token.kind === 'invalid') return { allow: false, response: tokenRefusal(token.reason) };
    if (matched.policy === 'authenticated') return { allow: true, identity: user ? identityOf(user) : NO_IDENTITY, headers: NO_HEADERS };
    if (!user) return { allow: false, response: NO_USER };
    const requirement = (matched.rule && requirements.get(matched.rule)) || ANY_SESSION;
    // Refused before any proof is asked for: no grant could pass here (fail closed).
    if (requirement.once?.bindBody && request.bodyUnseen) return { allow: false, response: BODY_UNSEEN };
    const mfaRequest = mfaRequestOf(user, request.headers, request.ip, request.method, request.path + request.query);
    if (!request.bodyUnseen) withRawBody(mfaRequest, request.rawBody, request.headers);
    return guard(mfa, mfaRequest, requirement, (decision) =>
      decision.allow
        ? {
            allow: true as const,
            identity: {
              'x-mfa-user': user.id,
              'x-mfa-amr': decision.state.amr.join(','),
              'x-mfa-auth-time': decision.state.authTime === null ? '' : String(Math.floor(decision.state.authTime / 1000)),
            },
            headers: decision.headers,
          }
        : { allow: false as const, response: decision.response },
    );
  };
}

/**
 * What an `mfa` rule asks of the core, as `requireMfa` would with the same options: `maxAge`,
 * `methods` (the rule's `factors`) and `once`.
 *
 * @param rule - The rule.
 * @param index - Its place in the list (0-based), for the message of a bad value.
 * @throws MfaError `invalid_option` for a value the core refuses.
 */
export function requirementOfRule(rule: Rule, index: number): Requirement {
  return requirementOf(
    { ...(rule.maxAge !== undefined ? { maxAge: rule.maxAge } : {}), ...(rule.factors ? { methods: rule.factors } : {}), ...(rule.once ? { once: rule.once } : {}) },
    `rule ${index + 1}`,
  );
}

/**
 * The answer to a token that failed: 401 `invalid_token` naming the reason (never the token nor
 * the identity provider's address, which go to no client), or 503 when the identity provider's
 * keys could not be fetched: the caller is not at fault, and the request is refused (fail closed).
 */
export function tokenRefusal(reason: TokenFailure): HttpResult {
  if (reason === 'jwks_unavailable') return problemResponse({ code: 'mfa_unavailable', detail: "The identity provider's keys could not be fetched; try again shortly." });
  return problemResponse({ code: 'invalid_token', detail: `The access token is not valid (${reason.replace(/_/g, ' ')}).` });
}

/** The identity of a user who passed without an MFA session (`bypass`, `authenticated`). */
const identityOf = (user: MfaUser): Record<string, string> => ({ 'x-mfa-user': user.id, 'x-mfa-amr': '', 'x-mfa-auth-time': '' });

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
