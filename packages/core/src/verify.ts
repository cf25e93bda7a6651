import type { FactorKind } from './events';
import type { Problem } from './http/problems';
import { type Outcome, denial, success } from './outcome';
import type { ResolvedOptions } from './options';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery/recoveryCodes';
import type { MfaRequest } from './request';
import { type IssuedSession, issuedOf, issueSession, type SessionRecord } from './session/sessions';
import { type Attempt, throttled } from './throttle/throttle';
import { checkOtp } from './totp/otp';

/** What a user offers as proof: a code from an OTP factor, or a recovery code. */
export type Proof = { code: string } | { recoveryCode: string };

/** A successful verification: the new session, and for a recovery code how many are left. */
export interface Verified extends IssuedSession {
  factorId: string;
  recoveryCodesRemaining?: number;
}

interface Proved {
  factorId: string;
  kind: FactorKind;
  recoveryCodesRemaining?: number;
}

// RFC 8176 2: "otp" covers RFC 4226/6238 codes; a recovery code is a one-time lookup secret
// (NIST SP 800-63B 5.1.2), closest to "otp" too. The session also keeps which factor it was.
export const OTP_AMR = ['otp'];

/**
 * Verifies a proof for the request's user under the account throttle and, on success, issues a
 * new MFA session (rotating the one the request carried).
 */
export async function verifyProof(opts: ResolvedOptions, req: MfaRequest & { user: { id: string } }, proof: Proof): Promise<Outcome<Verified>> {
  const proved = await proveAndIssue(opts, req, proof);
  if (!proved.ok) return proved;
  const { token, session, recoveryCodesRemaining } = proved.value;
  const verified: Verified = { ...issuedOf(token, session), factorId: session.factorId };
  return success(recoveryCodesRemaining === undefined ? verified : { ...verified, recoveryCodesRemaining });
}

/** `verifyProof` with the stored session record, for callers that judge it further. */
export async function proveAndIssue(
  opts: ResolvedOptions,
  req: MfaRequest & { user: { id: string } },
  proof: Proof,
): Promise<Outcome<{ token: string; session: SessionRecord; recoveryCodesRemaining?: number }>> {
  const userId = req.user.id;
  const factors = await opts.factors.listFactors(userId);
  if (factors.length === 0) return denial('mfa_enrollment_required', 'Enroll a second factor before verifying.');

  const attempt: Attempt<Proved> = await throttled(opts, userId, req.ip, async () => {
    if ('recoveryCode' in proof) return useRecoveryCode(opts, userId, proof.recoveryCode);
    for (const factor of factors) if (await checkOtp(opts, factor, proof.code, req.ip)) return { factorId: factor.id, kind: factor.kind };
    return null;
  });
  const at = opts.clock.now();
  if (!attempt.ok) return refuseAttempt(opts, userId, req.ip, attempt);
  const { factorId, kind, recoveryCodesRemaining } = attempt.value;
  const { token, session } = await issueSession(opts, userId, { factorId, amr: OTP_AMR }, req.sessionToken);
  opts.emit({ type: 'verification.succeeded', userId, at, ip: req.ip, factorId, kind, amr: OTP_AMR });
  if (recoveryCodesRemaining !== undefined) opts.emit({ type: 'recovery.used', userId, at, ip: req.ip, remaining: recoveryCodesRemaining });
  return success({ token, session, recoveryCodesRemaining });
}

/** Records a failed throttled attempt and answers it: a lock, or a wrong code. */
export function refuseAttempt(opts: ResolvedOptions, userId: string, ip: string | undefined, attempt: Attempt<unknown> & { ok: false }): { ok: false; problem: Problem } {
  opts.emit({ type: 'verification.failed', userId, at: opts.clock.now(), ip, reason: attempt.reason === 'locked' ? 'locked' : 'invalid_code' });
  if (attempt.reason === 'locked') {
    return denial('mfa_locked', `Too many failed attempts; try again in ${attempt.retryAfterSeconds} seconds.`, {
      'Retry-After': String(attempt.retryAfterSeconds),
      'Cache-Control': 'no-store',
    });
  }
  return denial('mfa_invalid_code', 'The code is wrong, expired or already used.');
}

async function useRecoveryCode(opts: ResolvedOptions, userId: string, input: string): Promise<Proved | null> {
  const normalized = normalizeRecoveryCode(input);
  const set = normalized ? await opts.factors.getRecoveryCodes(userId) : null;
  if (!normalized || !set || set.hashes.length === 0) return null;
  if (!(await opts.factors.consumeRecoveryCode(userId, await hashRecoveryCode(normalized, set.salt)))) return null;
  const remaining = (await opts.factors.getRecoveryCodes(userId))?.hashes.length ?? 0;
  return { factorId: 'recovery', kind: 'recovery', recoveryCodesRemaining: remaining };
}
