import { contextOf, type Mfa } from '../createMfa';
import { decideRequest } from '../check';
import { isThenable } from '../lib/maybe';
import type { Outcome } from '../outcome';
import type { MfaRequest, MfaState, MfaUser, Requirement } from '../request';
import { type RequestReader, readMfaRequest } from './credentials';
import { type HttpResult, outcomeHeaders, problemResponse } from './problems';

/**
 * What a protected route's guard decided, in HTTP terms: `{ allow: true, state, headers }` to
 * pass, with the {@link MfaState} for the handler and the headers to add to its answer (a new
 * `X-Session-Token` after an inline code, an `Mfa-Enrollment-Deadline`); or
 * `{ allow: false, response }`, the answer to send instead (401, 403, 429 or 503, RFC 9457).
 */
export type Decision = { allow: true; state: MfaState; headers: Readonly<Record<string, string>> } | { allow: false; response: HttpResult };

const decisionOf = (outcome: Outcome<MfaState>): Decision =>
  outcome.ok ? { allow: true, state: outcome.value, headers: outcomeHeaders(outcome) } : { allow: false, response: problemResponse(outcome.problem, outcome.issuedSession) };

/**
 * Decides a request to a protected route and hands the {@link Decision} to `then`: the one call
 * of every adapter's `requireMfa` and guard. It fails closed (a store failure is a 503 decision,
 * never a pass, and never a rejection), and it answers at once when the stores do (the memory
 * store): `then` runs without an await and its result comes back as is; otherwise a Promise of
 * it. Adapters return what it returns, and need not know which.
 *
 * @param mfa - The core.
 * @param req - The request (see {@link mfaRequestOf}).
 * @param requirement - What the route demands (see `requirementOf`).
 * @param then - Writes the denial, or records the state and goes on.
 * @returns What `then` returns, or a Promise of it.
 * @see RFC 9470 (step-up challenge)
 * @example
 * return guard(mfa, mfaRequestOf(mfaUserOf(req.user), req.headers, req.ip, req.method), requirement, (decision) => {
 *   if (!decision.allow) return res.status(decision.response.status).set(decision.response.headers).json(decision.response.body);
 *   req.mfa = decision.state;
 *   res.set(decision.headers);
 *   next();
 * });
 */
export function guard<R>(mfa: Mfa, req: MfaRequest, requirement: Requirement, then: (decision: Decision) => R): R | Promise<R> {
  const outcome = decideRequest(contextOf(mfa), req, requirement);
  return isThenable(outcome) ? Promise.resolve(outcome).then((settled) => then(decisionOf(settled))) : then(decisionOf(outcome));
}

/**
 * {@link guard} for an adapter's protected route, built for the path every request takes: the
 * request is read through the adapter's {@link RequestReader} (the address and the User-Agent
 * only where the check uses them: a proof on the request, a grant, a risk hook), and `then` is a
 * function made once, handed the framework's own objects (`req`, and `a` and `b`, such as the
 * response and `next`), so that no closure is made per request. Fails closed and answers at once
 * when the stores do, as {@link guard}.
 *
 * @param mfa - The core.
 * @param reader - How the adapter reads its framework's request.
 * @param req - The framework's request.
 * @param user - The primary user (see `mfaUserOf`), or null.
 * @param requirement - What the route demands (see `requirementOf`).
 * @param then - Writes the denial, or records the state and goes on.
 * @param a - Handed to `then` as it is.
 * @param b - Handed to `then` as it is, if given.
 * @returns What `then` returns, or a Promise of it.
 * @see RFC 9470 (step-up challenge)
 * @example
 * function follow(decision: Decision, req: Request, res: Response, next: NextFunction) {
 *   if (!decision.allow) return writeResult(res, decision.response);
 *   req.mfa = decision.state;
 *   next();
 * }
 * return guardRequest(mfa, expressReader, req, mfaUserOf(req.user), requirement, follow, res, next);
 */
export function guardRequest<Req, A, R, B = undefined>(
  mfa: Mfa,
  reader: RequestReader<Req>,
  req: Req,
  user: MfaUser | null,
  requirement: Requirement,
  then: (decision: Decision, req: Req, a: A, b: B) => R,
  a: A,
  b?: B,
): R | Promise<R> {
  const ctx = contextOf(mfa);
  // The check reads the address and the User-Agent only for a proof made on this request (which
  // readMfaRequest sees for itself) and for the risk hook, which weighs them on every check.
  const outcome = decideRequest(ctx, readMfaRequest(reader, req, user, ctx.policy.risk != null), requirement);
  return isThenable(outcome) ? Promise.resolve(outcome).then((settled) => then(decisionOf(settled), req, a, b as B)) : then(decisionOf(outcome), req, a, b as B);
}
