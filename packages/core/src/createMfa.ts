import { MfaAdmin } from './admin';
import { decideRequest } from './check';
import { type Confirmed, confirmEnrollment, confirmOobEnrollment, startEnrollment, startOobEnrollment } from './enroll';
import { endRequestSession, type MfaStatus, regenerateRecoveryCodes, removeFactor, statusOf } from './manage';
import type { MfaOptions } from './options';
import { resolveOptions } from './resolve';
import type { MfaContext } from './context';
import type { OobChallenge } from './oob/oob';
import { denial, type Outcome, success } from './outcome';
import { checkedUserId, type MfaRequest, type MfaState, type MfaUser, type Requirement } from './request';
import type { OtpEnrollment } from './totp/otp';
import { type Proof, type Proved, proveFactor, recordProof, sendChallenge, type Verified, verifiedOf, verifyProof } from './verify';
import { ACTION_HELP, actionOf, type Granted, issueGrant, type StepUpAction } from './session/grants';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { authenticationOptions, proveAuthentication, verifyAuthentication } from './webauthn/authentication';
import { registrationOptions, verifyRegistration } from './webauthn/registration';

/**
 * A request with a signed-in user: what every method but `check` needs.
 * @inline
 */
type WithUser = MfaRequest & { user: MfaUser };

/** Throws MfaError `invalid_user` unless the request's user has a usable id. */
function signedIn(req: WithUser): void {
  checkedUserId(req.user?.id);
}

const oobNotConfigured = () => denial('not_found', 'Codes by email or SMS are not configured on this server.');

let readContext: (mfa: Mfa) => MfaContext;

/**
 * The context of an instance, for the HTTP kit inside this package; not exported from any entry point.
 * @internal
 */
export function contextOf(mfa: Mfa): MfaContext {
  return readContext(mfa);
}

/**
 * mfakit's core: every decision about factors, sessions, step-up and throttling, with no HTTP in
 * it. The adapters reach it through `@mfakit/core/http` (`guard`, `handleRoute`), which turns a
 * request into an `MfaRequest` and an outcome into an HTTP answer. Make it with
 * {@link createMfa}; one instance serves the whole application.
 *
 * Methods answer an {@link Outcome}: a wrong code, a missing session or a lockout is a result.
 * Only `check` absorbs a store failure (into an `mfa_unavailable` denial); the other methods
 * reject with the store's error (the HTTP contract's `handleRoute` answers it with 503), with
 * `MfaError` `secret_undecryptable` when a stored secret no key of the ring decrypts, or with
 * `MfaError` `invalid_user` when `req.user.id` is not a string of 1 to 256 characters (`check`
 * answers `authentication_required` for it, as the routes do).
 *
 * @example
 * const mfa = createMfa({ issuer: 'Acme', encryptionKeys: process.env.MFA_ENCRYPTION_KEYS });
 * const started = await mfa.startEnrollment({ user: { id: 'alice' } }, 'totp');
 * if (started.ok) showQrCode(started.value.qrCode);
 */
export class Mfa {
  /** Administration: the report, revocation, unlocking, exemptions, key rotation. */
  readonly admin: MfaAdmin;
  readonly #ctx: MfaContext;

  static {
    readContext = (mfa) => mfa.#ctx; // contextOf's one way in: a TypeError for anything that is not an Mfa
  }

  /**
   * Prefer {@link createMfa}, which does the same.
   * @param options - Checked here, once.
   * @throws MfaError `invalid_option` for a bad option; `encryption_key_required` without keys when `NODE_ENV=production`.
   */
  constructor(options: MfaOptions) {
    this.#ctx = resolveOptions(options);
    this.admin = new MfaAdmin(this.#ctx);
  }

  /**
   * Decides a request to a protected route. Fails closed: a store error is a denial
   * (`mfa_unavailable`), never a pass. In order: a user of the `exempt` option passes; an inline
   * code (`X-MFA-Token`) is verified and issues a session (`issuedSession`); a live session of
   * this user, or an upstream SSO's MFA (`policy.trustedAmr`), is judged against the requirement
   * and the risk hook; a granted exemption passes; a user without a factor passes when the policy
   * does not require them, or within the enrollment grace period (`enrollmentDeadline`).
   * The adapters call it through `guard` of `@mfakit/core/http`, which answers in HTTP terms.
   * @param req - The request (see `mfaRequestOf`).
   * @param requirement - `maxAge` in seconds for step-up (RFC 9470), `methods` for a factor kind,
   *   `always`; see `requirementOf` of `@mfakit/core/http`.
   * @returns The request's {@link MfaState}, or the denial (with its `challenge` where a proof
   *   would answer it); never rejects.
   * @see RFC 9470 (step-up challenge); NIST SP 800-63B 7.1 and 7.2 (sessions, reauthentication)
   * @example
   * const checked = await mfa.check(request, { maxAge: 300 });
   * if (checked.ok) audit(checked.value.amr);
   * else console.log(checked.problem.code); // 'mfa_stale'
   */
  async check(req: MfaRequest, requirement: Requirement = {}): Promise<Outcome<MfaState>> {
    return decideRequest(this.#ctx, req, requirement);
  }

  /**
   * Where the user stands: required, exempt, factors, recovery codes left, current session.
   * @param req - The request of a signed-in user.
   * @returns What `GET /mfa` answers; never a secret.
   * @example
   * const { enrolled, factors } = await mfa.status({ user });
   */
  async status(req: WithUser): Promise<MfaStatus> {
    signedIn(req);
    return statusOf(this.#ctx, req);
  }

  /**
   * Starts a TOTP or HOTP enrollment: a new secret, its `otpauth://` URI and QR code, pending in
   * the state store until confirmed (within `enrollmentTtl`). A user with a factor already needs
   * a fresh proof (401 `mfa_required` / `mfa_stale` otherwise).
   * @param req - The request of a signed-in user.
   * @param kind - `'totp'` (RFC 6238) or `'hotp'` (RFC 4226).
   * @param label - The user's name for the factor (default "Authenticator app" / "Hardware token").
   * @returns The {@link OtpEnrollment}, to show once: the application must not store the secret.
   * @see RFC 6238; RFC 4226; Key URI Format (otpauth://)
   * @example
   * const started = await mfa.startEnrollment({ user }, 'totp');
   * if (started.ok) showQrCode(started.value.qrCode, started.value.factorId);
   */
  async startEnrollment(req: WithUser, kind: 'totp' | 'hotp', label?: string): Promise<Outcome<OtpEnrollment>> {
    signedIn(req);
    return startEnrollment(this.#ctx, req, kind, label);
  }

  /**
   * Activates a pending TOTP or HOTP factor with a valid code (under the account throttle), and
   * opens an MFA session. The user's first factor also gets recovery codes, returned once.
   * @param req - The request of a signed-in user (its session, if any, is replaced).
   * @param kind - The kind the enrollment was started with.
   * @param factorId - From {@link OtpEnrollment.factorId}.
   * @param code - The code the authenticator shows.
   * @returns The factor, the new session and, for a first factor, the recovery codes; or
   *   `enrollment_not_found`, `mfa_invalid_code`, `mfa_locked`.
   * @see NIST SP 800-63B 5.1.4.2 / 5.1.5.2 (each OTP accepted once)
   * @example
   * const confirmed = await mfa.confirmEnrollment({ user }, 'totp', factorId, '123456');
   * if (confirmed.ok && confirmed.value.recoveryCodes) showOnce(confirmed.value.recoveryCodes);
   */
  async confirmEnrollment(req: WithUser, kind: 'totp' | 'hotp', factorId: string, code: string): Promise<Outcome<Confirmed>> {
    signedIn(req);
    return confirmEnrollment(this.#ctx, req, kind, factorId, code);
  }

  /**
   * Starts enrolling an email address or phone number: a code goes there (needs the `oob`
   * option, else 404 `not_found`). Like any further factor, it needs a fresh proof when the user
   * has one. The destination is stored encrypted; only a masked hint is shown.
   * @param req - The request of a signed-in user.
   * @param channel - `'email'` or `'sms'`.
   * @param to - The email address, or the phone number in E.164 form (checked here: 400 `invalid_request`).
   * @param label - The user's name for the factor (default "Codes by email" / "Codes by SMS").
   * @returns Where the code went (masked) and when it lapses; or `rate_limited` beyond `oob.maxSends`.
   * @see NIST SP 800-63B 5.1.3 (out-of-band; SMS restricted, email not out-of-band)
   * @example
   * const sent = await mfa.startOobEnrollment({ user }, 'sms', '+14155550123');
   */
  async startOobEnrollment(req: WithUser, channel: 'email' | 'sms', to: unknown, label?: string): Promise<Outcome<OobChallenge>> {
    signedIn(req);
    return this.#ctx.oob ? startOobEnrollment(this.#ctx, req, channel, to, label) : oobNotConfigured();
  }

  /**
   * Activates a pending email or SMS factor with the code sent to it (under the account throttle)
   * and opens an MFA session; the first factor also returns recovery codes.
   * @param req - The request of a signed-in user.
   * @param channel - The channel the enrollment was started with.
   * @param factorId - From the {@link OobChallenge} of `startOobEnrollment`.
   * @param code - The six digits sent.
   * @returns As {@link Mfa.confirmEnrollment}.
   * @example
   * const confirmed = await mfa.confirmOobEnrollment({ user }, 'sms', factorId, '481516');
   */
  async confirmOobEnrollment(req: WithUser, channel: 'email' | 'sms', factorId: string, code: string): Promise<Outcome<Confirmed>> {
    signedIn(req);
    return this.#ctx.oob ? confirmOobEnrollment(this.#ctx, req, channel, factorId, code) : oobNotConfigured();
  }

  /**
   * Sends a code to one of the user's email or SMS factors, to verify with `{ factorId, code }`.
   * Needs no proof; at most `oob.maxSends` per factor in `oob.sendWindow` (429 `rate_limited`).
   * A new code voids the one sent before.
   * @param req - The request of a signed-in user.
   * @param factorId - An email or SMS factor of the user (else 404 `factor_not_found`).
   * @returns Where the code went (masked) and when it lapses.
   * @example
   * const sent = await mfa.sendChallenge({ user }, factorId);
   * // then: await mfa.verify({ user }, { factorId, code })
   */
  async sendChallenge(req: WithUser, factorId: string): Promise<Outcome<OobChallenge>> {
    signedIn(req);
    return this.#ctx.oob ? sendChallenge(this.#ctx, req, factorId) : oobNotConfigured();
  }

  /**
   * Verifies a code or a recovery code under the account throttle and issues a new MFA session,
   * which replaces the one the request carried (its proofs carry over). A code is spent when it
   * is accepted: a TOTP step, an HOTP counter value, a sent code or a recovery code works once.
   * @param req - The request of a signed-in user.
   * @param proof - What the user typed; see {@link Proof}.
   * @returns The session token (the client keeps it and sends it as `X-Session-Token`; the store
   *   keeps only its hash); or `mfa_invalid_code`, `mfa_locked`, `factor_not_found`,
   *   `mfa_enrollment_required`.
   * @see RFC 6238; RFC 4226; NIST SP 800-63B 5.1.2 (recovery codes), 5.1.4.2 / 5.1.5.2 (OTP), 5.2.2 (throttling)
   * @example
   * const verified = await mfa.verify({ user, ip: req.ip }, { code: req.body.code });
   * if (verified.ok) res.json({ sessionToken: verified.value.sessionToken });
   */
  async verify(req: WithUser, proof: Proof): Promise<Outcome<Verified>> {
    signedIn(req);
    return verifyProof(this.#ctx, req, proof);
  }

  /**
   * Verifies a code or a recovery code, like {@link Mfa.verify}, for one action: the answer is a
   * step-up grant for that request (method, path and, when named, the body's digest), not a
   * session. The user's MFA session is neither opened, extended nor replaced. The client sends the
   * grant as `X-MFA-Grant` with that request; it is spent on first use, and lapses after five
   * minutes (sooner on a route whose `maxAge` is shorter).
   * @param req - The request of a signed-in user.
   * @param proof - What the user typed; see {@link Proof}.
   * @param action - The request the grant is for; see {@link StepUpAction}.
   * @returns The grant; or the denials of {@link Mfa.verify}, or `invalid_request` for a malformed action.
   * @see https://www.rfc-editor.org/rfc/rfc9470 (`max_age=0`); https://www.rfc-editor.org/rfc/rfc9530 (the digest)
   * @example
   * const granted = await mfa.grant({ user }, { code: '123456' }, { method: 'POST', path: '/api/payees' });
   * if (granted.ok) res.json(granted.value); // { grant: 'mfg_...', expiresAt, amr, authTime, factorId }
   */
  async grant(req: WithUser, proof: Proof, action: StepUpAction): Promise<Outcome<Granted>> {
    signedIn(req);
    const checked = actionOf(action);
    if (!checked) return malformedAction();
    const startedAt = this.#ctx.clock.now();
    return granted(this.#ctx, req, await proveFactor(this.#ctx, req, proof), checked, startedAt);
  }

  /**
   * Verifies a WebAuthn assertion, like {@link Mfa.authenticateWebAuthn}, for one action: the
   * answer is a step-up grant for that request, as {@link Mfa.grant}.
   * @param req - The request of a signed-in user.
   * @param response - The `AuthenticationResponseJSON` of `startAuthentication()`.
   * @param action - The request the grant is for.
   * @returns The grant; or the denials of {@link Mfa.authenticateWebAuthn}.
   * @example
   * const granted = await mfa.grantWebAuthn({ user }, req.body.response, { method: 'POST', path: '/api/payees', digest });
   */
  async grantWebAuthn(req: WithUser, response: unknown, action: StepUpAction): Promise<Outcome<Granted>> {
    signedIn(req);
    const checked = actionOf(action);
    if (!checked) return malformedAction();
    const startedAt = this.#ctx.clock.now();
    return granted(this.#ctx, req, await proveAuthentication(this.#ctx, req, response), checked, startedAt);
  }

  /**
   * WebAuthn creation options for the user (fresh proof needed when the user has a factor), with
   * a new challenge kept in the state store for five minutes. 404 `not_found` without the
   * `webauthn` option; 429 `rate_limited` past 20 challenges of the user in five minutes (both
   * ceremonies together).
   * @param req - The request of a signed-in user.
   * @returns `PublicKeyCredentialCreationOptionsJSON`, for `startRegistration()` of @simplewebauthn/browser.
   * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
   * @example
   * const options = await mfa.webauthnRegistrationOptions({ user });
   * if (options.ok) res.json(options.value);
   */
  async webauthnRegistrationOptions(req: WithUser): Promise<Outcome<PublicKeyCredentialCreationOptionsJSON>> {
    signedIn(req);
    return registrationOptions(this.#ctx, req);
  }

  /**
   * Verifies a WebAuthn attestation and adds the credential as a factor; the proof of
   * possession opens an MFA session, and a first factor also gets recovery codes. The challenge
   * is spent first, so a response is accepted once.
   * @param req - The request of a signed-in user.
   * @param response - The `RegistrationResponseJSON` of `startRegistration()`.
   * @param label - The user's name for it (default "Passkey").
   * @returns As {@link Mfa.confirmEnrollment}; or `invalid_request`, `webauthn_challenge_invalid`,
   *   `webauthn_verification_failed`, `factor_exists` (the credential id is registered already,
   *   to this user or another).
   * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
   * @example
   * const registered = await mfa.registerWebAuthn({ user }, req.body.response, 'YubiKey');
   */
  async registerWebAuthn(req: WithUser, response: unknown, label?: string): Promise<Outcome<Confirmed>> {
    signedIn(req);
    return verifyRegistration(this.#ctx, req, response, label);
  }

  /**
   * WebAuthn request options listing the user's credentials (those not disabled), with a new
   * challenge kept for five minutes; 404 `factor_not_found` when the user has none, 403
   * `factor_disabled` when every one is disabled, `not_found` without the `webauthn` option, 429
   * `rate_limited` past 20 challenges of the user in five minutes (both ceremonies together).
   * @param req - The request of a signed-in user.
   * @returns `PublicKeyCredentialRequestOptionsJSON`, for `startAuthentication()` of @simplewebauthn/browser.
   * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
   * @example
   * const options = await mfa.webauthnAuthenticationOptions({ user });
   */
  async webauthnAuthenticationOptions(req: WithUser): Promise<Outcome<PublicKeyCredentialRequestOptionsJSON>> {
    signedIn(req);
    return authenticationOptions(this.#ctx, req);
  }

  /**
   * Verifies a WebAuthn assertion under the account throttle and issues a new MFA session. The
   * challenge is spent first; the signature counter must grow (unless the authenticator keeps
   * none), else the answer is `webauthn_counter_regressed`, the event reports a possible clone,
   * and the credential is disabled until an administrator enables it (`mfa.admin.enableFactor`).
   * @param req - The request of a signed-in user.
   * @param response - The `AuthenticationResponseJSON` of `startAuthentication()`.
   * @returns As {@link Mfa.verify}; or `webauthn_challenge_invalid`, `webauthn_verification_failed`,
   *   `webauthn_counter_regressed`, `factor_disabled` (a disabled credential), `mfa_locked`.
   * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion; RFC 8176 (`hwk`, `swk`, `user`, `mfa`)
   * @example
   * const verified = await mfa.authenticateWebAuthn({ user }, req.body.response);
   */
  async authenticateWebAuthn(req: WithUser, response: unknown): Promise<Outcome<Verified>> {
    signedIn(req);
    const opened = await verifyAuthentication(this.#ctx, req, response);
    return opened.ok ? { ok: true, value: verifiedOf(opened.value) } : opened;
  }

  /**
   * A new set of recovery codes (fresh proof needed); the old set is void at once. Only salted
   * scrypt hashes are stored.
   * @param req - The request of a signed-in user with a recent proof (`freshProofMaxAge`).
   * @returns The codes, to show once: the application must not store or log them.
   * @see NIST SP 800-63B 5.1.2 (look-up secrets)
   * @example
   * const fresh = await mfa.regenerateRecoveryCodes({ user, sessionToken });
   * if (fresh.ok) showOnce(fresh.value.recoveryCodes);
   */
  async regenerateRecoveryCodes(req: WithUser): Promise<Outcome<{ recoveryCodes: string[] }>> {
    signedIn(req);
    return regenerateRecoveryCodes(this.#ctx, req);
  }

  /**
   * Removes a factor (fresh proof needed); 404 `factor_not_found` for an id the user has not.
   * Every other MFA session of the user ends, and so do pending enrollments; the caller's
   * session goes on. The last factor of a user the policy requires MFA of is kept (409
   * `last_factor`: enroll another first); for any other user, removing it ends every session.
   * @param req - The request of a signed-in user with a recent proof (`freshProofMaxAge`).
   * @param factorId - The factor to remove.
   * @returns `null` on success.
   * @example
   * await mfa.removeFactor({ user, sessionToken }, 'fac_...');
   */
  async removeFactor(req: WithUser, factorId: string): Promise<Outcome<null>> {
    signedIn(req);
    return removeFactor(this.#ctx, req, factorId);
  }

  /**
   * Ends the MFA session the request carries; idempotent.
   * @param req - The request of a signed-in user, with the session token to end.
   * @example
   * await mfa.endSession({ user, sessionToken });
   */
  async endSession(req: WithUser): Promise<void> {
    signedIn(req);
    return endRequestSession(this.#ctx, req);
  }
}

/** A proof turned into a grant for one action: the proof recorded, no session touched. */
async function granted(ctx: MfaContext, req: WithUser, proved: Outcome<Proved>, action: StepUpAction, startedAt: number): Promise<Outcome<Granted>> {
  if (!proved.ok) return proved;
  await recordProof(ctx, req, proved.value);
  return success(await issueGrant(ctx, req.user.id, proved.value, action, startedAt));
}

const malformedAction = () => denial('invalid_request', `The action is malformed: send ${ACTION_HELP}.`);

/**
 * Creates the MFA core. Options are validated here, once: a bad one throws an `MfaError` with
 * code `invalid_option` (or `encryption_key_required` in production without keys).
 *
 * @param options - Only `issuer` is required; see {@link MfaOptions} for the defaults and for
 *   what the application must keep (the encryption keys, durable stores).
 * @returns The core, to hand to the adapters (`requireMfa(mfa)`, `mfaRouter(mfa)`, `MfaModule`).
 * @throws MfaError `invalid_option` for a missing, mistyped or unsafe option;
 *   `encryption_key_required` when `NODE_ENV=production` and no `encryptionKeys` are set.
 * @example
 * const mfa = createMfa({
 *   issuer: 'Acme',
 *   encryptionKeys: process.env.MFA_ENCRYPTION_KEYS, // 'k1:<32 bytes base64>'
 * });
 * app.get('/api/profile', passport.authenticate('jwt', { session: false }), requireMfa(mfa), handler);
 */
export function createMfa(options: MfaOptions): Mfa {
  return new Mfa(options);
}
