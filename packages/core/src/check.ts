import { stepUpChallenge } from './http/problems';
import { type Outcome, denial, success } from './outcome';
import type { ResolvedOptions } from './options';
import { type MfaRequest, type Requirement, userIdOf } from './request';
import { type MfaState, readSession, type SessionRecord, stateOf } from './session/sessions';
import { proveAndIssue } from './verify';

/** The header that carries a newly issued session token back to the client. */
export const SESSION_TOKEN_HEADER = 'X-Session-Token';

/**
 * Decides whether a request may pass a route that needs MFA: the one function every adapter's
 * `requireMfa` calls. Allowed: an exempt user, a live session of this very user that meets the
 * requirement, or a valid inline code (which also issues a session, returned in a header).
 */
export async function checkRequest(opts: ResolvedOptions, req: MfaRequest, requirement: Requirement, honourExemption = true): Promise<Outcome<MfaState>> {
  const userId = userIdOf(req.user);
  if (!userId) return denial('authentication_required', 'Sign in first.', { 'WWW-Authenticate': 'Bearer' });
  const user = { id: userId };
  if (honourExemption && (await opts.exempt(user))) {
    return success({ userId, exempt: true, amr: [], authTime: null, expiresAt: null, factorId: null });
  }

  if (req.inlineCode !== undefined) {
    const proved = await proveAndIssue(opts, { ...req, user }, { code: req.inlineCode });
    if (!proved.ok) return proved;
    const issued = { [SESSION_TOKEN_HEADER]: proved.value.token };
    const judged = judge(opts, proved.value.session, requirement);
    return judged.ok ? success(judged.value, issued) : { ok: false, problem: { ...judged.problem, headers: { ...judged.problem.headers, ...issued } } };
  }

  const session = await readSession(opts, userId, req.sessionToken);
  if (session) return judge(opts, session, requirement);
  if ((await opts.factors.listFactors(userId)).length === 0) {
    return denial('mfa_enrollment_required', 'This account must enroll a second factor first.');
  }
  const detail = req.sessionToken ? 'The MFA session has expired or is not valid for this user.' : 'A second factor is required.';
  return denial('mfa_required', detail, stepUpChallenge(detail));
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
