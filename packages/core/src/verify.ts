import type { FactorKind } from './events';
import { type Outcome, denial, success } from './outcome';
import type { MfaContext } from './context';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery/recoveryCodes';
import type { MfaRequest } from './request';
import { type IssuedSession, issuedOf, issueSession, type SessionRecord } from './session/sessions';
import { checkOobCode, OOB_AMR, type OobChallenge, sendCode } from './oob/oob';
import { isOobFactor, isOtpFactor } from './store/types';
import { throttled } from './throttle/throttle';
import { checkOtp } from './totp/otp';

/**
 * What a user offers as proof: `{ code }`, a code from an authenticator app or token (checked
 * against each TOTP and HOTP factor of the user, or only the one `factorId` names); `{ code,
 * factorId }` for a code sent by email or SMS (`factorId` required); or `{ recoveryCode }`.
 * Spaces and dashes in a code are ignored.
 *
 * @example
 * await mfa.verify(request, { code: '123 456' });
 * await mfa.verify(request, { code: '481516', factorId: 'fac_...' }); // a code sent by SMS
 * await mfa.verify(request, { recoveryCode: 'ABCD-EFGH-JKMN-PQRS' });
 */
export type Proof = { code: string; factorId?: string } | { recoveryCode: string };

/** A successful verification: the new session, and for a recovery code how many are left. */
export interface Verified extends IssuedSession {
  /** The factor that made the proof; `'recovery'` for a recovery code. */
  factorId: string;
  /** For a recovery code: how many unused codes are left (offer new ones when few remain). */
  recoveryCodesRemaining?: number;
}

/** A factor the user just proved, with the RFC 8176 methods the proof stands for. */
export interface Proved {
  factorId: string;
  kind: FactorKind;
  amr: string[];
  recoveryCodesRemaining?: number;
}

/** A proof turned into a new session. */
export interface Opened {
  token: string;
  session: SessionRecord;
  recoveryCodesRemaining?: number;
}

// RFC 8176 2: "otp" covers RFC 4226/6238 codes; a recovery code is a one-time lookup secret
// (NIST SP 800-63B 5.1.2), closest to "otp" too. The session also keeps which factor it was.
export const OTP_AMR = ['otp'];

type WithUser = MfaRequest & { user: { id: string } };

export const wrongCode = () => denial('mfa_invalid_code', 'The code is wrong, expired or already used.');

/**
 * Verifies a proof for the request's user under the account throttle and, on success, issues a
 * new MFA session (rotating the one the request carried).
 */
export async function verifyProof(opts: MfaContext, req: WithUser, proof: Proof): Promise<Outcome<Verified>> {
  const opened = await proveAndIssue(opts, req, proof);
  return opened.ok ? success(verifiedOf(opened.value)) : opened;
}

/**
 * Sends a code to one of the user's email or SMS factors, for `verify` with `{ factorId, code }`.
 * Needs no proof (it is how the user makes one); limited per factor by `oob.maxSends`.
 */
export async function sendChallenge(opts: MfaContext, req: WithUser, factorId: string): Promise<Outcome<OobChallenge>> {
  const factor = await opts.factors.getFactor(req.user.id, factorId);
  if (!factor || !isOobFactor(factor)) return denial('factor_not_found', 'This user has no email or SMS factor with this id.');
  return sendCode(opts, factor, 'verification');
}

/** `verifyProof` with the stored session record, for callers that judge it further. */
export async function proveAndIssue(opts: MfaContext, req: WithUser, proof: Proof): Promise<Outcome<Opened>> {
  const startedAt = opts.clock.now();
  const proved = await proveFactor(opts, req, proof);
  return proved.ok ? success(await openSession(opts, req, proved.value, startedAt)) : proved;
}

/** Checks a proof under the account throttle: the factor proved, or the denial. Opens nothing. */
export async function proveFactor(opts: MfaContext, req: WithUser, proof: Proof): Promise<Outcome<Proved>> {
  const userId = req.user.id;
  const factors = await opts.factors.listFactors(userId);
  if (factors.length === 0) return denial('mfa_enrollment_required', 'Enroll a second factor before verifying.');

  const named = 'factorId' in proof && proof.factorId !== undefined ? factors.find((f) => f.id === proof.factorId) : undefined;
  if ('factorId' in proof && proof.factorId !== undefined && (!named || named.kind === 'webauthn')) {
    return denial('factor_not_found', 'This user has no factor with this id that takes a code.');
  }

  const kind = 'recoveryCode' in proof ? 'recovery' : 'code';
  return throttled(opts, userId, req.ip, kind, async (): Promise<Outcome<Proved>> => {
    if ('recoveryCode' in proof) return useRecoveryCode(opts, userId, proof.recoveryCode);
    if (named && isOobFactor(named)) {
      return (await checkOobCode(opts, named, proof.code)) ? success({ factorId: named.id, kind: 'oob', amr: [...OOB_AMR[named.channel]] }) : wrongCode();
    }
    for (const factor of (named ? [named] : factors).filter(isOtpFactor)) {
      if (await checkOtp(opts, factor, proof.code, req.ip)) return success({ factorId: factor.id, kind: factor.kind, amr: OTP_AMR });
    }
    return wrongCode();
  });
}

/**
 * Records a successful proof: a new session that replaces the request's, and the audit events.
 * `startedAt` is when checking the proof began (before the factors were read): a revocation or a
 * factor removal from then on voids the session.
 */
export async function openSession(opts: MfaContext, req: WithUser, proved: Proved, startedAt: number): Promise<Opened> {
  const { factorId, amr, recoveryCodesRemaining } = proved;
  const { token, session } = await issueSession(opts, req.user.id, { factorId, amr }, req.sessionToken, startedAt);
  await recordProof(opts, req, proved);
  return { token, session, recoveryCodesRemaining };
}

/** What every successful proof leaves, whatever it opens (a session, a grant, one request): the user's last proof and the audit events. */
export async function recordProof(opts: MfaContext, req: WithUser, proved: Proved): Promise<void> {
  const { factorId, kind, amr, recoveryCodesRemaining } = proved;
  const userId = req.user.id;
  const at = opts.clock.now();
  await opts.factors.recordProof(userId, { at, ...(req.ip ? { ip: req.ip } : {}), ...(req.userAgent ? { userAgent: req.userAgent } : {}) });
  opts.emit({ type: 'verification.succeeded', userId, at, ip: req.ip, factorId, kind, amr });
  if (recoveryCodesRemaining !== undefined) opts.emit({ type: 'recovery.used', userId, at, ip: req.ip, remaining: recoveryCodesRemaining });
}

/** What the client is told of a verification. */
export function verifiedOf({ token, session, recoveryCodesRemaining }: Opened): Verified {
  const verified: Verified = { ...issuedOf(token, session), factorId: session.factorId };
  return recoveryCodesRemaining === undefined ? verified : { ...verified, recoveryCodesRemaining };
}

async function useRecoveryCode(opts: MfaContext, userId: string, input: string): Promise<Outcome<Proved>> {
  const normalized = normalizeRecoveryCode(input);
  const set = normalized ? await opts.factors.getRecoveryCodes(userId) : null;
  if (!normalized || !set || set.hashes.length === 0) return wrongCode();
  if (!(await opts.factors.consumeRecoveryCode(userId, await hashRecoveryCode(normalized, set.salt)))) return wrongCode();
  const remaining = (await opts.factors.getRecoveryCodes(userId))?.hashes.length ?? 0;
  return success({ factorId: 'recovery', kind: 'recovery', amr: OTP_AMR, recoveryCodesRemaining: remaining });
}
