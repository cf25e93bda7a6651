import { checkRequest } from './check';
import { type Outcome, denial, success } from './outcome';
import type { MfaUser, ResolvedOptions } from './options';
import { newRecoveryCodes } from './recovery/recoveryCodes';
import type { MfaRequest } from './request';
import { type IssuedSession, issuedOf } from './session/sessions';
import { checkOobCode, destinationOf, OOB_AMR, type OobChallenge, pendingOobFactor, sendCode } from './oob/oob';
import { type FactorRecord, isOobFactor } from './store/types';
import { stateKeys } from './lib/keys';
import { throttled } from './throttle/throttle';
import { checkOtp, type OtpEnrollment, pendingOtpFactor, startOtpEnrollment } from './totp/otp';
import { type Opened, OTP_AMR, openSession, wrongCode } from './verify';

/** A factor as the API shows it: never its secret, its destination or its public key. */
export interface FactorView {
  /** The factor id (`fac_...`), for `verify`, `removeFactor` and `sendChallenge`. */
  id: string;
  /** `totp`, `hotp`, `webauthn` or `oob` (a code by email or SMS). */
  kind: FactorRecord['kind'];
  /** The user's name for it, or the kind's default, e.g. "Authenticator app". */
  label: string;
  /** When it was enrolled (ms since the epoch). */
  createdAt: number;
  /** For a code by email or SMS: the channel. */
  channel?: 'email' | 'sms';
  /** For a code by email or SMS: the masked destination, e.g. `'a***@example.com'`. */
  hint?: string;
}

/** The answer to a confirmed enrollment: the factor, a session, and for a first factor the codes. */
export interface Confirmed {
  /** The factor now active. */
  factor: FactorView;
  /** The MFA session the confirming proof opened (it replaces the one the request carried). */
  session: IssuedSession;
  /**
   * Shown once, for the first factor only; the store keeps salted hashes. The application must
   * show them to the user at once (to print or save) and never store or log them.
   * @see NIST SP 800-63B 5.1.2 (look-up secrets)
   */
  recoveryCodes?: string[];
}

const DEFAULT_LABELS = { totp: 'Authenticator app', hotp: 'Hardware token', email: 'Codes by email', sms: 'Codes by SMS' } as const;

export function viewOf(factor: FactorRecord): FactorView {
  const view: FactorView = { id: factor.id, kind: factor.kind, label: factor.label, createdAt: factor.createdAt };
  return isOobFactor(factor) ? { ...view, channel: factor.channel, hint: factor.hint } : view;
}

/** The channel of an email or SMS factor, for events and notices. */
export const channelOf = (factor: FactorRecord) => (isOobFactor(factor) ? { channel: factor.channel } : {});

/** A further factor needs a fresh proof, so a stolen primary credential cannot add the attacker's own. */
async function freshIfEnrolled(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }): Promise<Outcome<null>> {
  if ((await opts.factors.listFactors(req.user.id)).length === 0) return success(null);
  const fresh = await checkRequest(opts, req, { maxAge: opts.freshProofMaxAgeMs / 1000 }, false);
  return fresh.ok ? success(null, fresh.headers) : fresh;
}

/**
 * Starts enrolling a TOTP or HOTP factor. The first factor needs no MFA; a further one needs a
 * fresh proof, so a stolen primary credential cannot add the attacker's own authenticator.
 */
export async function startEnrollment(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, kind: 'totp' | 'hotp', label?: string): Promise<Outcome<OtpEnrollment>> {
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const enrollment = await startOtpEnrollment(opts, req.user, kind, label ?? DEFAULT_LABELS[kind]);
  opts.emit({ type: 'enrollment.started', userId: req.user.id, at: opts.clock.now(), ip: req.ip, factorId: enrollment.factorId, kind });
  return success(enrollment, fresh.headers);
}

/**
 * Starts enrolling an email address or a phone number: sends a code there, to be confirmed with
 * `confirmOobEnrollment`. Like any further factor, needs a fresh proof when the user has one.
 */
export async function startOobEnrollment(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, channel: 'email' | 'sms', to: unknown, label?: string): Promise<Outcome<OobChallenge>> {
  const destination = destinationOf(channel, to);
  if (!destination) return denial('invalid_request', channel === 'email' ? 'Send {"email": "<an email address>"}.' : 'Send {"phone": "<a number in E.164 form, e.g. +14155550123>"}.');
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const pending = pendingOobFactor(opts, req.user, channel, destination, label ?? DEFAULT_LABELS[channel]);
  await opts.state.set(stateKeys.enrollment(req.user.id, pending.id), JSON.stringify(pending), opts.enrollmentTtlMs);
  const sent = await sendCode(opts, pending, 'enrollment');
  if (!sent.ok) return sent;
  opts.emit({ type: 'enrollment.started', userId: req.user.id, at: opts.clock.now(), ip: req.ip, factorId: pending.id, kind: 'oob' });
  return success(sent.value, fresh.headers);
}

/** Activates a pending email or SMS factor with the code sent to it (throttled like any verification). */
export async function confirmOobEnrollment(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, channel: 'email' | 'sms', factorId: string, code: string): Promise<Outcome<Confirmed>> {
  const userId = req.user.id;
  const raw = await opts.state.get(stateKeys.enrollment(userId, factorId));
  const pending = raw ? (JSON.parse(raw) as FactorRecord) : null;
  if (!pending || !isOobFactor(pending) || pending.channel !== channel) {
    return denial('enrollment_not_found', 'No pending enrollment with this id: it was confirmed, has lapsed, or never existed.');
  }
  const attempt = await throttled(opts, userId, req.ip, async () => ((await checkOobCode(opts, pending, code)) ? success(true) : wrongCode()));
  if (!attempt.ok) return attempt;
  await opts.state.delete(stateKeys.enrollment(userId, factorId));
  const recoveryCodes = await activateFactor(opts, req, pending);
  const opened = await openSession(opts, req, { factorId, kind: 'oob', amr: [...OOB_AMR[channel]] });
  return success(confirmedOf(pending, opened, recoveryCodes));
}

/**
 * Activates a pending factor with a valid code (throttled like any verification). The first
 * factor of a user also gets a new set of recovery codes. The proof opens an MFA session.
 */
export async function confirmEnrollment(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, kind: 'totp' | 'hotp', factorId: string, code: string): Promise<Outcome<Confirmed>> {
  const userId = req.user.id;
  const pending = await pendingOtpFactor(opts, userId, factorId);
  if (!pending || pending.kind !== kind) return denial('enrollment_not_found', 'No pending enrollment with this id: it was confirmed, has lapsed, or never existed.');

  const attempt = await throttled(opts, userId, req.ip, async () => ((await checkOtp(opts, pending, code, req.ip, true)) ? success(true) : wrongCode()));
  if (!attempt.ok) return attempt;
  // The code was spent atomically above, so only one confirmation gets here.
  await opts.state.delete(stateKeys.enrollment(userId, factorId));
  const recoveryCodes = await activateFactor(opts, req, pending);
  const opened = await openSession(opts, req, { factorId, kind: pending.kind, amr: OTP_AMR });
  return success(confirmedOf(pending, opened, recoveryCodes));
}

/**
 * Stores a proved factor. The user's first factor also gets a new set of recovery codes (any
 * older set is void), returned to be shown once.
 */
export async function activateFactor(opts: ResolvedOptions, req: MfaRequest & { user: MfaUser }, factor: FactorRecord): Promise<string[] | undefined> {
  const userId = req.user.id;
  const firstFactor = (await opts.factors.listFactors(userId)).length === 0;
  await opts.factors.createFactor(factor);
  opts.emit({ type: 'factor.enrolled', userId, at: opts.clock.now(), ip: req.ip, factorId: factor.id, kind: factor.kind, ...channelOf(factor) });
  if (!firstFactor) return undefined;
  const fresh = await newRecoveryCodes(opts);
  await opts.factors.replaceRecoveryCodes(userId, { salt: fresh.salt, hashes: fresh.hashes, createdAt: opts.clock.now() });
  opts.emit({ type: 'recovery.regenerated', userId, at: opts.clock.now(), ip: req.ip, count: fresh.codes.length });
  return fresh.codes;
}

export function confirmedOf(factor: FactorRecord, opened: Opened, recoveryCodes: string[] | undefined): Confirmed {
  const confirmed: Confirmed = { factor: viewOf(factor), session: issuedOf(opened.token, opened.session) };
  return recoveryCodes ? { ...confirmed, recoveryCodes } : confirmed;
}
