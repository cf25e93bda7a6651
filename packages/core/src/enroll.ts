import { requireFreshProof } from './check';
import { type Outcome, denial, success } from './outcome';
import type { MfaUser } from './request';
import type { MfaContext } from './context';
import { newRecoveryCodes } from './recovery/recoveryCodes';
import type { MfaRequest } from './request';
import { type IssuedSession, issuedOf } from './session/sessions';
import { checkOobCode, destinationOf, OOB_AMR, type OobChallenge, pendingOobFactor, sendCode } from './oob/oob';
import { type FactorRecord, type FactorWithCodesStored, isOobFactor, type RecoveryCodeSet } from './store/types';
import { stateKeys } from './lib/keys';
import { throttled } from './throttle/throttle';
import { checkOtp, type OtpEnrollment, startOtpEnrollment } from './totp/otp';
import { type Opened, OTP_AMR, openSession, type Proved, wrongCode } from './verify';

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
  /**
   * Present (`true`) for a passkey or security key disabled because its signature counter went
   * backwards (it may be cloned): refused until an administrator enables it again.
   */
  disabled?: true;
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
  if (isOobFactor(factor)) return { ...view, channel: factor.channel, hint: factor.hint };
  return factor.kind === 'webauthn' && factor.disabled ? { ...view, disabled: true } : view;
}

/** The channel of an email or SMS factor, for events and notices. */
export const channelOf = (factor: FactorRecord) => (isOobFactor(factor) ? { channel: factor.channel } : {});

const MAX_ENROLLMENT_STARTS = 5; // per enrollmentTtl: bounds a user's pending enrollments (at most twice this at once) and the QR codes rendered for them

/**
 * A user who has a factor needs a fresh proof to add one, so that a stolen primary credential
 * cannot add the attacker's own: checked when an enrollment starts and again when it is confirmed.
 * Give `factors` when the caller has read them already.
 */
export async function freshIfEnrolled(opts: MfaContext, req: MfaRequest & { user: MfaUser }, factors?: FactorRecord[]): Promise<Outcome<null>> {
  if ((factors ?? (await opts.factors.listFactors(req.user.id))).length === 0) return success(null);
  const fresh = await requireFreshProof(opts, req);
  return fresh.ok ? success(null, fresh) : fresh;
}

/** Counts an enrollment start: at most MAX_ENROLLMENT_STARTS per `enrollmentTtl`, so pending enrollments (and their QR codes) stay few. */
async function startAllowed(opts: MfaContext, userId: string): Promise<Outcome<null>> {
  const started = await opts.state.increment(stateKeys.enrollmentStarts(userId), opts.enrollmentTtlMs);
  if (started <= MAX_ENROLLMENT_STARTS) return success(null);
  const seconds = Math.ceil(opts.enrollmentTtlMs / 1000);
  return denial('rate_limited', `At most ${MAX_ENROLLMENT_STARTS} enrollments can be started in ${Math.ceil(seconds / 60)} minutes: finish one, or wait.`, { retryAfter: seconds });
}

/**
 * Ends every pending enrollment of the user: those started before now can no longer be
 * confirmed. Done when a first factor becomes active, when a factor is removed, and on
 * revocation, so that an enrollment planted earlier (with the password alone) cannot be confirmed.
 */
export async function endPendingEnrollments(opts: MfaContext, userId: string): Promise<void> {
  await opts.state.set(stateKeys.enrollmentCut(userId), String(opts.clock.now()), opts.enrollmentTtlMs);
}

/** A pending enrollment of the user, or null when unknown, lapsed, or ended by {@link endPendingEnrollments}. */
async function pendingFactor(opts: MfaContext, userId: string, factorId: string): Promise<FactorRecord | null> {
  const [raw, cut] = await opts.state.getMany([stateKeys.enrollment(userId, factorId), stateKeys.enrollmentCut(userId)]);
  const pending = raw ? (JSON.parse(raw) as FactorRecord) : null;
  return pending && (cut == null || pending.createdAt >= Number(cut)) ? pending : null;
}

const notPending = () => denial('enrollment_not_found', 'No pending enrollment with this id: it was confirmed, has lapsed, was ended, or never existed.');

/**
 * Starts enrolling a TOTP or HOTP factor. The first factor needs no MFA; a further one needs a
 * fresh proof, so a stolen primary credential cannot add the attacker's own authenticator.
 */
export async function startEnrollment(opts: MfaContext, req: MfaRequest & { user: MfaUser }, kind: 'totp' | 'hotp', label?: string): Promise<Outcome<OtpEnrollment>> {
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const allowed = await startAllowed(opts, req.user.id);
  if (!allowed.ok) return allowed;
  const enrollment = await startOtpEnrollment(opts, req.user, kind, label ?? DEFAULT_LABELS[kind]);
  opts.emit({ type: 'enrollment.started', userId: req.user.id, at: opts.clock.now(), ip: req.ip, factorId: enrollment.factorId, kind });
  return success(enrollment, fresh);
}

/**
 * Starts enrolling an email address or a phone number: sends a code there, to be confirmed with
 * `confirmOobEnrollment`. Like any further factor, needs a fresh proof when the user has one.
 */
export async function startOobEnrollment(opts: MfaContext, req: MfaRequest & { user: MfaUser }, channel: 'email' | 'sms', to: unknown, label?: string): Promise<Outcome<OobChallenge>> {
  const destination = destinationOf(channel, to);
  if (!destination) return denial('invalid_request', channel === 'email' ? 'Send {"email": "<an email address>"}.' : 'Send {"phone": "<a number in E.164 form, e.g. +14155550123>"}.');
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const allowed = await startAllowed(opts, req.user.id);
  if (!allowed.ok) return allowed;
  const pending = pendingOobFactor(opts, req.user, channel, destination, label ?? DEFAULT_LABELS[channel]);
  await opts.state.set(stateKeys.enrollment(req.user.id, pending.id), JSON.stringify(pending), opts.enrollmentTtlMs);
  const sent = await sendCode(opts, pending, 'enrollment');
  if (!sent.ok) return sent;
  opts.emit({ type: 'enrollment.started', userId: req.user.id, at: opts.clock.now(), ip: req.ip, factorId: pending.id, kind: 'oob' });
  return success(sent.value, fresh);
}

/** Activates a pending email or SMS factor with the code sent to it (throttled like any verification). */
export async function confirmOobEnrollment(opts: MfaContext, req: MfaRequest & { user: MfaUser }, channel: 'email' | 'sms', factorId: string, code: string): Promise<Outcome<Confirmed>> {
  const startedAt = opts.clock.now();
  const pending = await pendingFactor(opts, req.user.id, factorId);
  if (!pending || !isOobFactor(pending) || pending.channel !== channel) return notPending();
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const attempt = await throttled(opts, req.user.id, req.ip, 'code', async () => ((await checkOobCode(opts, pending, code)) ? success(true) : wrongCode()));
  if (!attempt.ok) return attempt;
  return confirmPending(opts, withFreshSession(req, fresh), pending, { factorId, kind: 'oob', amr: [...OOB_AMR[channel]] }, startedAt);
}

/**
 * Activates a pending factor with a valid code (throttled like any verification). The first
 * factor of a user also gets a new set of recovery codes. The proof opens an MFA session.
 */
export async function confirmEnrollment(opts: MfaContext, req: MfaRequest & { user: MfaUser }, kind: 'totp' | 'hotp', factorId: string, code: string): Promise<Outcome<Confirmed>> {
  const startedAt = opts.clock.now();
  const pending = await pendingFactor(opts, req.user.id, factorId);
  if (!pending || pending.kind !== kind) return notPending();
  const fresh = await freshIfEnrolled(opts, req);
  if (!fresh.ok) return fresh;
  const attempt = await throttled(opts, req.user.id, req.ip, 'code', async () => ((await checkOtp(opts, pending, code, req.ip, true)) ? success(true) : wrongCode()));
  if (!attempt.ok) return attempt;
  return confirmPending(opts, withFreshSession(req, fresh), pending, { factorId, kind, amr: OTP_AMR }, startedAt);
}

/**
 * The factor is stored before the pending record goes, so that an instance dying in between
 * leaves the factor active, and one dying earlier leaves it pending (a retry confirms it): never
 * neither. Of concurrent confirmations (with codes of adjacent steps, say) the store decides, as it
 * holds one factor per id: exactly one activates it and opens a session.
 */
async function confirmPending(opts: MfaContext, req: MfaRequest & { user: MfaUser }, pending: FactorRecord, proved: Proved, startedAt: number): Promise<Outcome<Confirmed>> {
  const activated = await activateFactor(opts, req, pending);
  if (!activated.ok) return activated;
  await opts.state.delete(stateKeys.enrollment(req.user.id, pending.id));
  const opened = await openSession(opts, req, proved, startedAt);
  return success(confirmedOf(pending, opened, activated.value));
}

/**
 * The request as the session an inline code of its fresh proof just opened (if one did): the
 * confirmation's own proof then replaces that session, and the caller ends up with one live
 * session (the one in the answer's body) instead of two.
 */
export function withFreshSession<R extends MfaRequest>(req: R, fresh: Outcome<unknown>): R {
  return fresh.issuedSession ? { ...req, sessionToken: fresh.issuedSession.sessionToken } : req;
}

/**
 * Stores a proved factor: 409 `factor_exists` when the store refuses it (a WebAuthn credential id
 * registered already, to this user or another), 404 `enrollment_not_found` when the store holds
 * a factor with its id already (a racing confirmation of the same enrollment stored it). The
 * user's first factor comes with a new set of recovery codes (any older set is void), stored
 * with it in one atomic step (an instance killed midway leaves both or neither) and returned to
 * be shown once; it also ends every other pending enrollment.
 *
 * Of racing first enrollments, each may find no factor; the set is swapped in by compare-and-set
 * on the set read before the factors, so exactly one issues (and shows) codes. Read in this
 * order, a request that finds the set a racing one issued finds that one's factor too (stored
 * with its set), and is no first enrollment.
 */
export async function activateFactor(opts: MfaContext, req: MfaRequest & { user: MfaUser }, factor: FactorRecord): Promise<Outcome<string[] | undefined>> {
  const userId = req.user.id;
  const heldSet = await opts.factors.getRecoveryCodes(userId);
  const firstFactor = (await opts.factors.listFactors(userId)).length === 0;
  const fresh = firstFactor ? await newRecoveryCodes(opts) : null;
  const set = fresh && { salt: fresh.salt, hashes: fresh.hashes, createdAt: opts.clock.now() };
  const stored = await storeFactor(opts, factor, set && { expectedSalt: heldSet?.salt ?? null, set });
  if (stored === null) return notPending();
  if (!stored.created) return denial('factor_exists', 'This authenticator is registered already.');
  opts.emit({ type: 'factor.enrolled', userId, at: opts.clock.now(), ip: req.ip, factorId: factor.id, kind: factor.kind, ...channelOf(factor) });
  if (!fresh) return success(undefined);
  await endPendingEnrollments(opts, userId);
  if (!stored.recoveryCodes) return success(undefined); // a racing first enrollment issued them
  opts.emit({ type: 'recovery.regenerated', userId, at: opts.clock.now(), ip: req.ip, count: fresh.codes.length });
  return success(fresh.codes);
}

/**
 * Stores the factor, with a first set of recovery codes when `recovery` is given; null when the
 * store rejects it while holding a factor with its id (a racing confirmation stored it first).
 * Any other failure is thrown: the caller answers 503.
 */
async function storeFactor(opts: MfaContext, factor: FactorRecord, recovery: { expectedSalt: string | null; set: RecoveryCodeSet } | null): Promise<FactorWithCodesStored | null> {
  try {
    if (recovery) return await opts.factors.createFactorWithRecoveryCodes(factor, recovery.expectedSalt, recovery.set);
    return { created: await opts.factors.createFactor(factor), recoveryCodes: false };
  } catch (err) {
    if (await opts.factors.getFactor(factor.userId, factor.id)) return null;
    throw err;
  }
}

export function confirmedOf(factor: FactorRecord, opened: Opened, recoveryCodes: string[] | undefined): Confirmed {
  const confirmed: Confirmed = { factor: viewOf(factor), session: issuedOf(opened.token, opened.session) };
  return recoveryCodes ? { ...confirmed, recoveryCodes } : confirmed;
}
