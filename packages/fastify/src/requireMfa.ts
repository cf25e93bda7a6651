import { type Duration, type Mfa, MfaError, type MfaState } from '@mfakit/core';
import { type Decision, guardRequest, markGuard, type RequirementOptions, requirementOf } from '@mfakit/core/http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from 'fastify';
import { type GetUser, requestUser, writeResult } from './lib/http';
import { fastifyReader } from './lib/reader';

declare module 'fastify' {
  interface FastifyRequest {
    /** The MFA state of a request that passed `requireMfa`. */
    mfa?: MfaState;
  }
}

/**
 * What a route protected by `requireMfa` or `requireFreshMfa` demands of the MFA session, and
 * where the primary user is. Checked once, when the hook is built.
 *
 * @example
 * const stepUp: RequireMfaOptions = { maxAge: '5m', methods: ['hwk'] };
 * app.delete('/api/account', { preHandler: [authenticate, requireMfa(mfa, stepUp)] }, handler);
 */
export interface RequireMfaOptions extends RequirementOptions {
  /** Where the primary user is. @default `request.user` (`id`, else `sub`), as @fastify/jwt sets it */
  getUser?: GetUser;
}

/**
 * A `preHandler` hook that lets a request through only with a valid MFA session of its user
 * (`X-Session-Token` or the `mfa_session` cookie) or a valid inline code (`X-MFA-Token`,
 * answered with a new `X-Session-Token`). Place it after the primary authentication. Sets
 * `request.mfa`; a denial is the core's answer (401/403/429/503 problem+json), sent unchanged,
 * and the handler does not run.
 *
 * The core decides (`guard` of `@mfakit/core/http`, as `mfa.check`): an exempt user passes; so
 * does a user whom the policy does not require and who has no factor, and a required user
 * without a factor before the enrollment deadline (with a `Mfa-Enrollment-Deadline` header). The
 * denials: 401 `authentication_required`, `mfa_required`, `mfa_stale`, `mfa_method_required` or
 * `mfa_invalid_code` (with the RFC 9470 challenge where a proof would help), 403
 * `mfa_enrollment_required`, 429 `mfa_locked` (with `Retry-After`), 503 `mfa_unavailable` when a
 * store fails (fail closed).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - What the route demands (`maxAge`, `methods`, `always`) and where the user is (`getUser`).
 * @returns A named `preHandler` hook (`requireMfa`).
 * @throws MfaError `invalid_option` for a bad `maxAge` or `methods`, or an `always` that is not a
 *   boolean: here, when the hook is built, never on a request.
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
 * @see NIST SP 800-63B 7.1 (session bindings) and 7.2 (reauthentication)
 *
 * @example
 * app.get('/api/profile', { onRequest: [app.authenticate], preHandler: requireMfa(mfa) }, async (request) => request.mfa);
 */
export function requireMfa(mfa: Mfa, options: RequireMfaOptions = {}): preHandlerHookHandler {
  const requirement = requirementOf(options);
  const getUser = options.getUser ?? requestUser;
  const middleware = function requireMfa(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    // On the memory store the decision comes at once, and the request goes on at once. A callback
    // hook (Fastify refuses one that also returns a Promise): guard never rejects, it fails closed.
    void guardRequest(mfa, fastifyReader, request, getUser(request) ?? null, requirement, follow, reply, done);
  };
  return markGuard(middleware, { by: 'requireMfa', requirement });
}

/** Sends a denial (and does not go on), or sets `request.mfa` and the decision's headers (none, usually) and goes on. */
function follow(decision: Decision, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!decision.allow) {
    writeResult(reply, decision.response);
    return;
  }
  request.mfa = decision.state;
  for (const name in decision.headers) reply.header(name, decision.headers[name]);
  done();
}

/**
 * Step-up for a sensitive action: like `requireMfa`, and the last proof must be at most `maxAge`
 * old, else a 401 `mfa_stale` with the RFC 9470 challenge (`max_age`).
 *
 * @param mfa - The instance from `createMfa`.
 * @param options - `maxAge` (seconds, or a Duration such as `'5m'`) is required; the other
 *   options are those of `requireMfa`.
 * @returns A named `preHandler` hook (`requireMfa`).
 * @throws MfaError `invalid_option` without a `maxAge`, or for any bad option, when built.
 * @see NIST SP 800-63B 7.2 (reauthentication); RFC 9470 (the step-up challenge).
 *
 * @example
 * app.post('/api/transfers', { preHandler: requireFreshMfa(mfa, { maxAge: '5m' }) }, handler);
 */
export function requireFreshMfa(mfa: Mfa, options: RequireMfaOptions & ({ maxAge: Duration } | { once: true | { bindBody?: boolean } })): preHandlerHookHandler {
  if (options?.maxAge === undefined && !options?.once) throw new MfaError('invalid_option', 'requireFreshMfa needs a maxAge, e.g. { maxAge: "5m" }, or once: true');
  return requireMfa(mfa, options);
}
