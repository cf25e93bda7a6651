import { requireFreshProof } from './check';
import { channelOf, endPendingEnrollments, type FactorView, viewOf, withFreshSession } from './enroll';
import { type Outcome, denial, success } from './outcome';
import type { MfaUser } from './request';
import type { MfaContext } from './context';
import { liveExemption } from './policy';
import { newRecoveryCodes } from './recovery/recoveryCodes';
import type { MfaRequest } from './request';
import { endSession, readSession, revokeSessions } from './session/sessions';
import { oobSecretContext } from './oob/oob';
import { type FactorStore, isOobFactor, isOtpFactor, type SecretSwap } from './store/types';
import { otpSecretContext } from './totp/otp';

/** Where a user stands: what `GET /mfa` answers. Never a secret. */
export interface MfaStatus {
  /** The user's id. */
  userId: string;
  /** True when the policy requires MFA of the user (see `policy.required`); false for users of the `exempt` option, who never need it. */
  required: boolean;
  /** True when the user needs no MFA now: the `exempt` option, or a granted exemption in force. */
  exempt: boolean;
  /** The granted exemption in force: its `reason`, and `expiresAt` (ms since the epoch); null without one. */
  exemption: { reason: string; expiresAt: number } | null;
  /** A required user without a factor may go on until then (ms since the epoch); null when no grace period applies. */
  enrollBy: number | null;
  /** True when the user has at least one active factor. */
  enrolled: boolean;
  /** The user's active factors, without secrets. */
  factors: FactorView[];
  /** Unused recovery codes; 0 for a user without a factor. */
  recoveryCodesRemaining: number;
  /**
   * The MFA session the request carried, if live: its RFC 8176 `amr` values, `authTime` of the
   * last proof and `expiresAt` (ms since the epoch), and the `factorId` of the last proof.
   */
  session: { amr: string[]; authTime: number; expiresAt: number; factorId: string } | null;
}

export async function statusOf(opts: MfaContext, req: MfaRequest & { user: MfaUser }): Promise<MfaStatus> {
  const userId = req.user.id;
  const [exemptUser, required, factors, recovery, session, record] = await Promise.all([
    opts.exempt(req.user),
    opts.policy.isRequired(req.user),
    opts.factors.listFactors(userId),
    opts.factors.getRecoveryCodes(userId),
    readSession(opts, userId, req.sessionToken),
    opts.factors.getUser(userId),
  ]);
  const exemption = liveExemption(record?.exemption, opts.clock.now());
  const deadline = required && factors.length === 0 ? await opts.policy.deadlineOf(req.user) : null;
  return {
    userId,
    required: required && !exemptUser,
    exempt: exemptUser || exemption !== null,
    exemption: exemption && { reason: exemption.reason, expiresAt: exemption.expiresAt },
    enrollBy: deadline !== null && deadline > opts.clock.now() ? deadline : null,
    enrolled: factors.length > 0,
    factors: factors.map(viewOf),
    recoveryCodesRemaining: factors.length > 0 ? (recovery?.hashes.length ?? 0) : 0,
    session: session && { amr: Object.keys(session.methods), authTime: session.authTime, expiresAt: session.expiresAt, factorId: session.factorId },
  };
}

/** Issues a new set of recovery codes (fresh MFA needed); the old set is void at once. */
export async function regenerateRecoveryCodes(opts: MfaContext, req: MfaRequest & { user: MfaUser }): Promise<Outcome<{ recoveryCodes: string[] }>> {
  const fresh = await requireFreshProof(opts, req);
  if (!fresh.ok) return fresh;
  const set = await newRecoveryCodes(opts);
  await opts.factors.replaceRecoveryCodes(req.user.id, { salt: set.salt, hashes: set.hashes, createdAt: opts.clock.now() });
  opts.emit({ type: 'recovery.regenerated', userId: req.user.id, at: opts.clock.now(), ip: req.ip, count: set.codes.length });
  return success({ recoveryCodes: set.codes }, fresh);
}

/**
 * Removes one of the user's factors (fresh MFA needed). Every other MFA session of the user ends
 * (a session cannot tell which of its proofs came from which factor, so those opened with this
 * one end with all the rest); the caller's own session goes on. Pending enrollments end too.
 * The last factor: refused (409 `last_factor`) when the policy requires MFA of the user, who
 * enrolls another first; otherwise removed, and with it every session, the caller's included.
 */
export async function removeFactor(opts: MfaContext, req: MfaRequest & { user: MfaUser }, factorId: string): Promise<Outcome<null>> {
  const fresh = await requireFreshProof(opts, req);
  if (!fresh.ok) return fresh;
  const userId = req.user.id;
  const factors = await opts.factors.listFactors(userId);
  const factor = factors.find((f) => f.id === factorId);
  if (!factor) return denial('factor_not_found', 'This user has no factor with this id.');
  const last = factors.length === 1;
  if (last && !(await opts.exempt(req.user)) && (await opts.policy.isRequired(req.user))) {
    return denial('last_factor', 'This account must use MFA: enroll another factor before removing the last one (an administrator can revoke every factor).');
  }
  if (!(await opts.factors.deleteFactor(userId, factorId))) return denial('factor_not_found', 'This user has no factor with this id.');
  await endPendingEnrollments(opts, userId);
  // The caller's session (the one an inline code just opened, else the one the request carried) goes on.
  await revokeSessions(opts, userId, last ? undefined : withFreshSession(req, fresh).sessionToken);
  opts.emit({ type: 'factor.removed', userId, at: opts.clock.now(), ip: req.ip, factorId, kind: factor.kind, ...channelOf(factor) });
  return last ? success(null) : success(null, fresh);
}

/** Ends the MFA session the request carries. Idempotent. */
export async function endRequestSession(opts: MfaContext, req: MfaRequest & { user: MfaUser }): Promise<void> {
  await endSession(opts, req.user.id, req.sessionToken);
  opts.emit({ type: 'session.ended', userId: req.user.id, at: opts.clock.now(), ip: req.ip });
}

/** Secrets re-encrypted per write: one `compareAndSetSecrets` call (one UPDATE on PostgreSQL). */
const ROTATION_BATCH = 500;
/** Batches being written at once while the next is read and re-encrypted: the memory used stays a few batches, however many factors there are. */
const ROTATION_IN_FLIGHT = 2;

/**
 * Re-encrypts every stored secret (OTP secrets, email addresses, phone numbers) under the current
 * (first) key. Safe to run while serving and to run again: each secret is swapped only if nobody
 * changed it meanwhile. Keep the old keys in the ring until it has run and until pending
 * enrollments and sent codes have lapsed (`enrollmentTtl`, `oob.codeTtl`).
 *
 * The factors stream from `allFactors`; stale secrets are swapped in batches of ROTATION_BATCH
 * (`compareAndSetSecrets` where the store has it), at most ROTATION_IN_FLIGHT batches at once.
 * On a failure (a secret under a key no longer in the ring, a store error), the batches already
 * sent are waited for, then it throws: what they swapped stays swapped.
 */
export async function rotateKeys(opts: MfaContext): Promise<{ rotated: number; current: number; total: number; keyId: string }> {
  let rotated = 0;
  let current = 0; // under the current key already
  let total = 0;
  let batch: SecretSwap[] = [];
  const writing: Promise<number>[] = []; // oldest first
  const send = async () => {
    if (writing.length >= ROTATION_IN_FLIGHT) rotated += await writing.shift()!;
    const write = swapSecrets(opts.factors, batch);
    write.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
    writing.push(write);
    batch = [];
  };
  try {
    for await (const factor of opts.factors.allFactors()) {
      if (!isOtpFactor(factor) && !isOobFactor(factor)) continue;
      total += 1;
      if (!opts.keyRing.isStale(factor.secret)) {
        current += 1;
        continue;
      }
      const context = (isOobFactor(factor) ? oobSecretContext : otpSecretContext)(factor.userId, factor.id);
      batch.push({ userId: factor.userId, factorId: factor.id, expected: factor.secret, next: opts.keyRing.encrypt(opts.keyRing.decrypt(factor.secret, context), context) });
      if (batch.length >= ROTATION_BATCH) await send();
    }
    if (batch.length > 0) await send();
    while (writing.length > 0) rotated += await writing.shift()!;
  } catch (err) {
    await Promise.allSettled(writing);
    throw err;
  }
  return { rotated, current, total, keyId: opts.keyRing.currentId }; // the rest changed while this ran: run it again
}

/** One batch of compare-and-set swaps: in one call where the store can, else one by one. */
async function swapSecrets(store: FactorStore, swaps: SecretSwap[]): Promise<number> {
  if (store.compareAndSetSecrets) return store.compareAndSetSecrets(swaps);
  let swapped = 0;
  for (const swap of swaps) if (await store.compareAndSetSecret(swap.userId, swap.factorId, swap.expected, swap.next)) swapped += 1;
  return swapped;
}
