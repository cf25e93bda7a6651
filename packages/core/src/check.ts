import { acrValuesFor } from './acr';
import { describe } from './lib/describe';
import { denial, type Failure, type Outcome, success } from './outcome';
import type { MfaContext } from './context';
import { type MfaRequest, type MfaState, type MfaUser, type Requirement, userIdOf } from './request';
import { isThenable, type MaybePromise } from './lib/maybe';
import { liveExemption } from './policy';
import { SIGN_IN_FIRST, UNAVAILABLE } from './problem';
import { issuedOf, readSession, type SessionRecord, stateOf } from './session/sessions';
import { spendGrant } from './session/grants';
import { proveAndIssue, proveFactor, recordProof } from './verify';

/** What a proof is judged on: a session, or the proof of a grant or of one request. */
type Judged = Pick<SessionRecord, 'userId' | 'methods' | 'authTime' | 'expiresAt' | 'factorId'>;

const passed = (userId: string, exempt: boolean): MfaState => ({ userId, exempt, amr: [], authTime: null, expiresAt: null, factorId: null });

/**
 * Decides whether a request may pass a route that needs MFA. In order: an exempt user (the
 * `exempt` option) passes; a valid inline code (which also issues a session: `issuedSession`) or
 * a live session of this very user is judged against the route's requirement; so is an upstream
 * SSO's MFA (`policy.trustedAmr`, `policy.trustedAcr`); then a live granted exemption passes; then a user whom the
 * policy does not require (and who has no factor) passes, as does a required user without a
 * factor before the grace deadline. Only the first steps touch the stores on the usual path: one
 * state read for a session, with no await when the store answers at once.
 */
export function checkRequest(ctx: MfaContext, req: MfaRequest, requirement: Requirement): MaybePromise<Outcome<MfaState>> {
  const userId = userIdOf(req.user);
  if (!userId) return signInFirst();
  const user = req.user!; // userIdOf answered its id, so user.id is that string
  // A sync hook and a store that answers at once (the memory store) cost no await, and no closure.
  const exempt = ctx.exempt(user);
  return isThenable(exempt) ? exempt.then((settled) => afterExempt(ctx, req, user, requirement, settled)) : afterExempt(ctx, req, user, requirement, exempt);
}

function afterExempt(ctx: MfaContext, req: MfaRequest, user: MfaUser, requirement: Requirement, exempt: boolean): MaybePromise<Outcome<MfaState>> {
  return exempt ? success(passed(user.id, true)) : checkProof(ctx, req, user, requirement, withoutSession);
}

/**
 * `checkRequest` that also absorbs a failure (a store that throws or rejects) into a 503
 * `mfa_unavailable` denial, its cause logged: fails closed, never rejects, and answers at once
 * when the stores do. What `mfa.check` and the adapters' guards call.
 */
export function decideRequest(ctx: MfaContext, req: MfaRequest, requirement: Requirement): MaybePromise<Outcome<MfaState>> {
  try {
    const outcome = checkRequest(ctx, req, requirement);
    // No closure on the path that answers at once: it runs on every protected request.
    return isThenable(outcome) ? Promise.resolve(outcome).then(undefined, (err: unknown) => unavailable(ctx, err)) : outcome;
  } catch (err) {
    return unavailable(ctx, err);
  }
}

function unavailable(ctx: MfaContext, err: unknown): Failure {
  ctx.logger.error(`check failed: ${describe(err)}`);
  return { ok: false, problem: UNAVAILABLE };
}

/**
 * The fresh proof that sensitive actions need (a further factor, new recovery codes, removing a
 * factor, every administrative route): a session or inline code of this user at most `maxAgeMs`
 * old (by default `freshProofMaxAge`), judged like a route's `maxAge`. Neither an exemption nor
 * the enrollment grace period stands in for it: a user without a factor is told to enroll one.
 */
export function requireFreshProof(ctx: MfaContext, req: MfaRequest, maxAgeMs = ctx.freshProofMaxAgeMs): Promise<Outcome<MfaState>> {
  const userId = userIdOf(req.user);
  if (!userId) return Promise.resolve(signInFirst());
  return Promise.resolve(checkProof(ctx, req, req.user!, { maxAge: maxAgeMs / 1000 }, withoutFreshProof));
}

const signInFirst = (): Failure => ({ ok: false, problem: SIGN_IN_FIRST });

/** What decides a request that carries no live session: a route's stand-ins, or none for a fresh proof. */
type NoSession = (ctx: MfaContext, req: MfaRequest, user: MfaUser, requirement: Requirement) => Promise<Outcome<MfaState>>;

/**
 * A step-up grant, else an inline code, else the session (or an upstream SSO's MFA) judged against
 * the requirement; a route that wants a proof made for the request alone (`once`) reads no session.
 */
function checkProof(ctx: MfaContext, req: MfaRequest, user: MfaUser, requirement: Requirement, noSession: NoSession): MaybePromise<Outcome<MfaState>> {
  if (req.grant !== undefined) return grantProof(ctx, { ...req, grant: req.grant }, user, requirement);
  if (req.inlineCode !== undefined) return inlineProof(ctx, { ...req, user }, req.inlineCode, requirement);
  if (requirement.once) return noSession(ctx, req, user, requirement);
  const stored = readSession(ctx, user.id, req.sessionToken);
  return isThenable(stored) ? stored.then((settled) => judgeSession(ctx, req, user, requirement, noSession, settled)) : judgeSession(ctx, req, user, requirement, noSession, stored);
}

/** The session read (or an upstream SSO's MFA) judged against the requirement, then weighed by the risk hook. */
function judgeSession(ctx: MfaContext, req: MfaRequest, user: MfaUser, requirement: Requirement, noSession: NoSession, stored: SessionRecord | null): MaybePromise<Outcome<MfaState>> {
  const session = stored ?? upstreamProof(ctx, user, requirement);
  if (!session) return noSession(ctx, req, user, requirement);
  const judged = judge(ctx, session, requirement);
  return judged.ok && ctx.policy.risk ? weighRisk(ctx, { ...req, user }, judged.value) : judged;
}

/** A step-up grant, spent here whatever the outcome, its proof judged against the route's requirement. */
async function grantProof(ctx: MfaContext, req: MfaRequest & { grant: string }, user: MfaUser, requirement: Requirement): Promise<Outcome<MfaState>> {
  const spent = await spendGrant(ctx, req, user.id, requirement.once?.bindBody === true);
  return spent.ok ? judge(ctx, spent.value, requirement) : spent;
}

/**
 * An inline code: a proof that also issues a session, which the outcome carries (`issuedSession`);
 * on a `once` route, a proof for this request alone, which opens nothing.
 */
async function inlineProof(ctx: MfaContext, req: MfaRequest & { user: MfaUser }, code: string, requirement: Requirement): Promise<Outcome<MfaState>> {
  if (requirement.once) {
    const proved = await proveFactor(ctx, req, { code });
    if (!proved.ok) return proved;
    await recordProof(ctx, req, proved.value);
    const now = ctx.clock.now();
    const { factorId, amr } = proved.value;
    return judge(ctx, { userId: req.user.id, methods: Object.fromEntries(amr.map((m) => [m, now])), authTime: now, expiresAt: now, factorId }, requirement);
  }
  const proved = await proveAndIssue(ctx, req, { code });
  if (!proved.ok) return proved;
  const issuedSession = issuedOf(proved.value.token, proved.value.session);
  return { ...judge(ctx, proved.value.session, requirement), issuedSession };
}

/** No live session on a route: a granted exemption, the policy and the grace period decide. */
async function withoutSession(ctx: MfaContext, req: MfaRequest, user: MfaUser, requirement: Requirement): Promise<Outcome<MfaState>> {
  const userId = user.id;
  const record = await ctx.factors.getUser(userId);
  if (liveExemption(record?.exemption, ctx.clock.now())) return success(passed(userId, true));
  if (await enrolled(ctx, userId)) return proofRequired(req, requirement);
  if (!requirement.always && !(await ctx.policy.isRequired(user))) return success(passed(userId, false));
  const deadline = await ctx.policy.deadlineOf(user);
  if (deadline !== null && ctx.clock.now() < deadline) return { ok: true, value: passed(userId, false), enrollmentDeadline: deadline };
  return denial('mfa_enrollment_required', 'This account must enroll a second factor first.');
}

/** No live session for a fresh proof: nothing stands in for it. */
async function withoutFreshProof(ctx: MfaContext, req: MfaRequest, user: MfaUser): Promise<Outcome<MfaState>> {
  if (await enrolled(ctx, user.id)) return proofRequired(req, {});
  return denial('mfa_enrollment_required', 'This action needs a proof with a second factor: enroll one first.');
}

const enrolled = async (ctx: MfaContext, userId: string) => (await ctx.factors.listFactors(userId)).length > 0;

function proofRequired(req: MfaRequest, requirement: Requirement): Failure {
  if (requirement.once) {
    const detail = 'This action needs a proof made for it alone: a step-up grant for this request (X-MFA-Grant) or a code in X-MFA-Token.';
    return denial(req.sessionToken ? 'mfa_stale' : 'mfa_required', detail, { challenge: { maxAge: 0 } });
  }
  const detail = req.sessionToken
    ? 'The MFA session has expired or is not valid for this user.'
    : req.cookieRefused
      ? 'The mfa_session cookie is not accepted on a request a cross-site form could send: send Content-Type: application/json or an X-Requested-With header, or the token in X-Session-Token.'
      : 'A second factor is required.';
  return denial('mfa_required', detail, { challenge: {} });
}

/** How far ahead of this server's clock an upstream `auth_time` may be (the IdP's clock may run a little fast). */
const MAX_AUTH_TIME_SKEW_MS = 60_000;

/**
 * An upstream SSO's MFA as a session record: the user's primary credential carries a trusted
 * `amr` value or a trusted `acr` value, and the time it was made (`authTime`, seconds). It lasts
 * as long as an MFA session made then would (`session.lifetime`). Only what is trusted becomes
 * proved methods (see {@link upstreamMethods}). Null when nothing is trusted, too old, or made
 * more than a minute in the future (a forged or broken claim).
 */
function upstreamProof(opts: MfaContext, user: MfaUser, requirement: Requirement): SessionRecord | null {
  const { authTime } = user;
  const { trustedAmr, trustedAcr } = opts.policy;
  if ((trustedAmr.length === 0 && trustedAcr.size === 0) || typeof authTime !== 'number' || !Number.isFinite(authTime)) return null;
  const proved = upstreamMethods(opts, user, requirement);
  if (!proved) return null;
  const now = opts.clock.now();
  if (authTime * 1000 > now + MAX_AUTH_TIME_SKEW_MS) return null;
  const at = Math.min(authTime * 1000, now); // within the skew: judged as made now
  const expiresAt = at + opts.session.lifetimeMs;
  if (now >= expiresAt) return null;
  const methods = Object.fromEntries(proved.map((value) => [value, at]));
  return { userId: user.id, methods, factorId: UPSTREAM_FACTOR_ID, authTime: at, createdAt: at, expiresAt, seenAt: at };
}

/**
 * What an upstream credential proves, or null when it carries nothing trusted: its trusted `amr`
 * values, each for itself (a route that demands `hwk` is met by an upstream `hwk` only when `hwk`
 * is trusted), and the methods its trusted `acr` value stands for when the route accepts every one
 * of them: the value says a proof was made with one of them, not which, so `phr` (`hwk` or `swk`)
 * does not meet a route that needs `hwk`. It still counts as a proof there, of no method the route
 * takes: the route answers `mfa_method_required`.
 */
function upstreamMethods(opts: MfaContext, user: MfaUser, requirement: Requirement): string[] | null {
  const { amr, acr } = user;
  const proved = Array.isArray(amr) ? opts.policy.trustedAmr.filter((value) => amr.includes(value)) : [];
  const stoodFor = typeof acr === 'string' ? opts.policy.trustedAcr.get(acr) : undefined;
  if (!stoodFor) return proved.length > 0 ? proved : null;
  const { methods } = requirement;
  if (!methods || stoodFor.every((m) => methods.includes(m))) for (const m of stoodFor) if (!proved.includes(m)) proved.push(m);
  return proved;
}

/** The `factorId` of a request that passed on an upstream SSO's MFA. */
export const UPSTREAM_FACTOR_ID = 'upstream';

/** Asks the risk hook, if any, whether this request needs a fresh proof; an error in it counts as yes. */
async function weighRisk(opts: MfaContext, req: MfaRequest & { user: MfaUser }, state: MfaState): Promise<Outcome<MfaState>> {
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
  return denial('mfa_stale', 'This request needs a new proof (a new device or network).', { challenge: { maxAge: 0 } });
}

/**
 * Checks a live session (or the proof of a grant or of one request) against the route's
 * requirement: method first, then freshness. A `once` route's challenges say `max_age=0`.
 */
function judge(opts: MfaContext, session: Judged, requirement: Requirement): Outcome<MfaState> {
  const { methods, maxAge, once } = requirement;
  let provedAt = session.authTime;
  if (methods && methods.length > 0) {
    const times = methods.map((m) => session.methods[m]).filter((t): t is number => t !== undefined);
    if (times.length === 0) {
      const acrValues = acrValuesFor(opts.acr, methods);
      return denial('mfa_method_required', `This action needs one of: ${methods.join(', ')}.`, { challenge: once ? { acrValues, maxAge: 0 } : { acrValues } });
    }
    provedAt = Math.max(...times); // a fresh proof of another method does not make this one fresh
  }
  if (maxAge !== undefined && opts.clock.now() - provedAt > maxAge * 1000) {
    return denial('mfa_stale', `This action needs a proof made in the last ${maxAge} seconds.`, { challenge: { maxAge: once ? 0 : maxAge } });
  }
  return success(stateOf(session));
}
