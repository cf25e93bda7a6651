import { describe } from './lib/describe';
import { stepUpChallenge } from './http/problems';
import { type Outcome, denial, success } from './outcome';
import type { MfaUser, ResolvedOptions } from './options';
import { type MfaRequest, type Requirement, userIdOf } from './request';
import { andThen, type MaybePromise } from './lib/maybe';
import { liveExemption } from './policy';
import { type MfaState, readSession, type SessionRecord, stateOf } from './session/sessions';
import { proveAndIssue } from './verify';

/** The header that carries a newly issued session token back to the client. */
export const SESSION_TOKEN_HEADER = 'X-Session-Token';

/** The header that tells a required user without a factor when the enrollment grace period ends (an HTTP-date). */
export const ENROLLMENT_DEADLINE_HEADER = 'Mfa-Enrollment-Deadline';

const passed = (userId: string, exempt: boolean): MfaState => ({ userId, exempt, amr: [], authTime: null, expiresAt: null, factorId: null });

/**
 * Decides whether a request may pass a route that needs MFA: the one function every adapter's
 * `requireMfa` calls. In order: an exempt user (the `exempt` option) passes; a valid inline code
 * (which also issues a session, returned in a header) or a live session of this very user is
 * judged against the route's requirement; so is an upstream SSO's MFA (`policy.trustedAmr`);
 * then a live granted exemption passes; then a user whom the policy does not require (and who
 * has no factor) passes, as does a required user without a factor before the grace deadline.
 * Only the first steps touch the stores on the usual path: one state read for a session.
 */
export function checkRequest(opts: ResolvedOptions, req: MfaRequest, requirement: Requirement, honourExemption = true): MaybePromise<Outcome<MfaState>> {
  const userId = userIdOf(req.user);
  if (!userId) return denial('authentication_required', 'Sign in first.', { 'WWW-Authenticate': 'Bearer' });
  const user = req.user!; // userIdOf answered its id, so user.id is that string
  if (!honourExemption) return checkProof(opts, req, user, requirement, false);
  // A sync hook and a store that answers at once (the memory store) cost no await.
  return andThen(opts.exempt(user), (exempt) => (exempt ? success(passed(userId, true)) : checkProof(opts, req, user, requirement, true)));
}

/** An inline code, else the session (or an upstream SSO's MFA) judged against the requirement. */
function checkProof(opts: ResolvedOptions, req: MfaRequest, user: MfaUser, requirement: Requirement, honourExemption: boolean): MaybePromise<Outcome<MfaState>> {
  if (req.inlineCode !== undefined) return inlineProof(opts, { ...req, user }, req.inlineCode, requirement);
  return andThen(readSession(opts, user.id, req.sessionToken), (stored) => {
    const session = stored ?? upstreamProof(opts, user);
    if (!session) return withoutSession(opts, req, user, requirement, honourExemption);
    const judged = judge(opts, session, requirement);
    return judged.ok && opts.policy.risk ? weighRisk(opts, { ...req, user }, judged.value) : judged;
  });
}

/** An inline code: a proof that also issues a session, whose token goes back in a header. */
async function inlineProof(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, code: string, requirement: Requirement): Promise<Outcome<MfaState>> {
  const proved = await proveAndIssue(opts, req, { code });
  if (!proved.ok) return proved;
  const issued = { [SESSION_TOKEN_HEADER]: proved.value.token };
  const judged = judge(opts, proved.value.session, requirement);
  return judged.ok ? success(judged.value, issued) : { ok: false, problem: { ...judged.problem, headers: { ...judged.problem.headers, ...issued } } };
}

/** No live session: a granted exemption, the policy and the grace period decide. */
async function withoutSession(opts: ResolvedOptions, req: MfaRequest, user: MfaUser, requirement: Requirement, honourExemption: boolean): Promise<Outcome<MfaState>> {
  const userId = user.id;
  const record = honourExemption ? await opts.factors.getUser(userId) : null;
  if (liveExemption(record?.exemption, opts.clock.now())) return success(passed(userId, true));
  const enrolled = (await opts.factors.listFactors(userId)).length > 0;
  if (!enrolled) {
    // A fresh proof (honourExemption false: account changes, administration) has no stand-in.
    if (!honourExemption) return denial('mfa_enrollment_required', 'This action needs a proof with a second factor: enroll one first.');
    if (!requirement.always && !(await opts.policy.isRequired(user))) return success(passed(userId, false));
    const deadline = await opts.policy.deadlineOf(user);
    if (deadline !== null && opts.clock.now() < deadline) {
      return success(passed(userId, false), { [ENROLLMENT_DEADLINE_HEADER]: new Date(deadline).toUTCString() });
    }
    return denial('mfa_enrollment_required', 'This account must enroll a second factor first.');
  }
  const detail = req.sessionToken
    ? 'The MFA session has expired or is not valid for this user.'
    : req.cookieRefused
      ? 'The mfa_session cookie is not accepted on a request a cross-site form could send: send Content-Type: application/json or an X-Requested-With header, or the token in X-Session-Token.'
      : 'A second factor is required.';
  return denial('mfa_required', detail, stepUpChallenge(detail));
}

/** How far ahead of this server's clock an upstream `auth_time` may be (the IdP's clock may run a little fast). */
const MAX_AUTH_TIME_SKEW_MS = 60_000;

/**
 * An upstream SSO's MFA as a session record: the user's primary credential carries a trusted
 * `amr` value and the time it was made (`authTime`, seconds). It lasts as long as an MFA session
 * made then would (`session.lifetime`). Only the trusted values become proved methods: a route
 * that demands `hwk` is satisfied by an upstream `hwk` only when `hwk` is trusted. Null when not
 * trusted, too old, or made more than a minute in the future (a forged or broken claim).
 */
function upstreamProof(opts: ResolvedOptions, user: MfaUser): SessionRecord | null {
  const { amr, authTime } = user;
  if (opts.policy.trustedAmr.length === 0 || !Array.isArray(amr) || typeof authTime !== 'number' || !Number.isFinite(authTime)) return null;
  const trusted = opts.policy.trustedAmr.filter((value) => amr.includes(value));
  if (trusted.length === 0) return null;
  const now = opts.clock.now();
  if (authTime * 1000 > now + MAX_AUTH_TIME_SKEW_MS) return null;
  const at = Math.min(authTime * 1000, now); // within the skew: judged as made now
  const expiresAt = at + opts.session.lifetimeMs;
  if (now >= expiresAt) return null;
  const methods = Object.fromEntries(trusted.map((value) => [value, at]));
  return { userId: user.id, methods, factorId: UPSTREAM_FACTOR_ID, authTime: at, createdAt: at, expiresAt, seenAt: at };
}

/** The `factorId` of a request that passed on an upstream SSO's MFA. */
export const UPSTREAM_FACTOR_ID = 'upstream';

/** Asks the risk hook, if any, whether this request needs a fresh proof; an error in it counts as yes. */
async function weighRisk(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, state: MfaState): Promise<Outcome<MfaState>> {
  const { risk } = opts.policy;
  if (!risk) return success(state);
  let demand: boolean;
  try {
    const last = (await opts.factors.getUser(req.user.id))?.lastProof ?? null;
    demand = (await risk({ user: req.user, ip: req.ip, userAgent: req.userAgent, last, state })) === true;
  } catch (err) {
    opts.logger.error(`policy.risk failed, so a fresh proof is demanded: ${describe(err)}`);
    demand = true;
  }
  if (!demand) return success(state);
  const detail = 'This request needs a new proof (a new device or network).';
  return denial('mfa_stale', detail, stepUpChallenge(detail, { maxAgeSeconds: 0 }));
}

/** Checks a live session against the route's requirement: method first, then freshness. */
function judge(opts: ResolvedOptions, session: SessionRecord, requirement: Requirement): Outcome<MfaState> {
  const { methods, maxAge } = requirement;
  let provedAt = session.authTime;
  if (methods && methods.length > 0) {
    const times = methods.map((m) => session.methods[m]).filter((t): t is number => t !== undefined);
    if (times.length === 0) {
      const detail = `This action needs one of: ${methods.join(', ')}.`;
      return denial('mfa_method_required', detail, stepUpChallenge(detail, { acrValues: methods }));
    }
    provedAt = Math.max(...times); // a fresh proof of another method does not make this one fresh
  }
  if (maxAge !== undefined && opts.clock.now() - provedAt > maxAge * 1000) {
    const detail = `This action needs a proof made in the last ${maxAge} seconds.`;
    return denial('mfa_stale', detail, stepUpChallenge(detail, { maxAgeSeconds: maxAge }));
  }
  return success(stateOf(session));
}
