import { type Actor, grantExemption, liftExemption, type Report, report, revokeUser, type UserSource } from './admin';
import { checkRequest } from './check';
import { type Confirmed, confirmEnrollment, confirmOobEnrollment, startEnrollment, startOobEnrollment } from './enroll';
import { describe } from './lib/describe';
import { type HttpResult, problemResponse } from './http/problems';
import { endRequestSession, type MfaStatus, regenerateRecoveryCodes, removeFactor, rotateKeys, statusOf } from './manage';
import { type MfaOptions, type MfaUser, type ResolvedOptions, resolveOptions } from './options';
import type { OobChallenge } from './oob/oob';
import { denial, type Outcome } from './outcome';
import type { MfaRequest, Requirement } from './request';
import type { MfaState } from './session/sessions';
import type { Exemption } from './store/types';
import type { OtpEnrollment } from './totp/otp';
import { type Proof, sendChallenge, type Verified, verifiedOf, verifyProof } from './verify';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { authenticationOptions, verifyAuthentication } from './webauthn/authentication';
import { registrationOptions, verifyRegistration } from './webauthn/registration';

/** What `mfa.check` decides for a protected route: pass with the MFA state, or this answer. */
export type Decision = { allow: true; state: MfaState; headers: Record<string, string> } | { allow: false; response: HttpResult };

type WithUser = MfaRequest & { user: MfaUser };

const oobNotConfigured = () => denial('not_found', 'Codes by email or SMS are not configured on this server.');

/**
 * mfakit's core: every decision about factors, sessions, step-up and throttling. Adapters turn a
 * request into an `MfaRequest`, call one method, and write what it returns.
 */
export class Mfa {
  /** The options with every default filled in. */
  readonly options: ResolvedOptions;

  constructor(options: MfaOptions) {
    this.options = resolveOptions(options);
  }

  /**
   * Decides a request to a protected route. Fails closed: a store error is a 503 answer, never a
   * pass.
   * @param requirement `maxAge` in seconds for step-up (RFC 9470), `methods` for a factor kind.
   */
  async check(req: MfaRequest, requirement: Requirement = {}): Promise<Decision> {
    try {
      const outcome = await checkRequest(this.options, req, requirement);
      return outcome.ok ? { allow: true, state: outcome.value, headers: outcome.headers ?? {} } : { allow: false, response: problemResponse(outcome.problem) };
    } catch (err) {
      this.options.logger.error(`check failed: ${describe(err)}`);
      return { allow: false, response: problemResponse({ code: 'mfa_unavailable', detail: 'Multi-factor authentication is unavailable; try again shortly.' }) };
    }
  }

  /** Where the user stands: required, exempt, factors, recovery codes left, current session. */
  status(req: WithUser): Promise<MfaStatus> {
    return statusOf(this.options, req);
  }

  /** Starts a TOTP or HOTP enrollment; a user with a factor already needs a fresh proof. */
  startEnrollment(req: WithUser, kind: 'totp' | 'hotp', label?: string): Promise<Outcome<OtpEnrollment>> {
    return startEnrollment(this.options, req, kind, label);
  }

  /** Activates a pending factor with a valid code; the first one also returns recovery codes. */
  confirmEnrollment(req: WithUser, kind: 'totp' | 'hotp', factorId: string, code: string): Promise<Outcome<Confirmed>> {
    return confirmEnrollment(this.options, req, kind, factorId, code);
  }

  /** Starts enrolling an email address or phone number: a code goes there (needs the `oob` option). */
  startOobEnrollment(req: WithUser, channel: 'email' | 'sms', to: unknown, label?: string): Promise<Outcome<OobChallenge>> {
    return this.options.oob ? startOobEnrollment(this.options, req, channel, to, label) : Promise.resolve(oobNotConfigured());
  }

  /** Activates a pending email or SMS factor with the code sent to it; the first factor also returns recovery codes. */
  confirmOobEnrollment(req: WithUser, channel: 'email' | 'sms', factorId: string, code: string): Promise<Outcome<Confirmed>> {
    return this.options.oob ? confirmOobEnrollment(this.options, req, channel, factorId, code) : Promise.resolve(oobNotConfigured());
  }

  /** Sends a code to one of the user's email or SMS factors, to verify with `{ factorId, code }`. */
  sendChallenge(req: WithUser, factorId: string): Promise<Outcome<OobChallenge>> {
    return this.options.oob ? sendChallenge(this.options, req, factorId) : Promise.resolve(oobNotConfigured());
  }

  /** Verifies a code or a recovery code and issues a new MFA session. */
  verify(req: WithUser, proof: Proof): Promise<Outcome<Verified>> {
    return verifyProof(this.options, req, proof);
  }

  /** WebAuthn creation options for the user (fresh proof needed when the user has a factor). */
  webauthnRegistrationOptions(req: WithUser): Promise<Outcome<PublicKeyCredentialCreationOptionsJSON>> {
    return registrationOptions(this.options, req);
  }

  /** Verifies a WebAuthn attestation and adds the credential as a factor. */
  registerWebAuthn(req: WithUser, response: unknown, label?: string): Promise<Outcome<Confirmed>> {
    return verifyRegistration(this.options, req, response, label);
  }

  /** WebAuthn request options listing the user's credentials. */
  webauthnAuthenticationOptions(req: WithUser): Promise<Outcome<PublicKeyCredentialRequestOptionsJSON>> {
    return authenticationOptions(this.options, req);
  }

  /** Verifies a WebAuthn assertion and issues a new MFA session. */
  async authenticateWebAuthn(req: WithUser, response: unknown): Promise<Outcome<Verified>> {
    const opened = await verifyAuthentication(this.options, req, response);
    return opened.ok ? { ok: true, value: verifiedOf(opened.value) } : opened;
  }

  /** A new set of recovery codes (fresh proof needed); the old set is void. */
  regenerateRecoveryCodes(req: WithUser): Promise<Outcome<{ recoveryCodes: string[] }>> {
    return regenerateRecoveryCodes(this.options, req);
  }

  /** Removes a factor (fresh proof needed). */
  removeFactor(req: WithUser, factorId: string): Promise<Outcome<null>> {
    return removeFactor(this.options, req, factorId);
  }

  /** Ends the MFA session the request carries. */
  endSession(req: WithUser): Promise<void> {
    return endRequestSession(this.options, req);
  }

  /** Where every user stands (see `Report`); pass the application's users to count those the stores never saw. */
  report(users?: UserSource): Promise<Report> {
    return report(this.options, users);
  }

  /** Revokes every factor and recovery code of a user and ends all their MFA sessions (a lost device). */
  revokeUser(userId: string, actor: Actor): Promise<{ factorsRemoved: number }> {
    return revokeUser(this.options, userId, actor);
  }

  /** Exempts a user from MFA until `expiresAt`, for `reason` (both required); audited. */
  grantExemption(userId: string, input: { reason?: unknown; expiresAt?: unknown }, actor: Actor): Promise<Outcome<Exemption>> {
    return grantExemption(this.options, userId, input, actor);
  }

  /** Lifts a user's exemption; false when there was none. */
  liftExemption(userId: string, actor: Actor): Promise<boolean> {
    return liftExemption(this.options, userId, actor);
  }

  /** Re-encrypts every stored secret under the current key; see `KeyRing`. */
  rotateKeys(): Promise<{ rotated: number; total: number }> {
    return rotateKeys(this.options);
  }
}

/**
 * Creates the MFA core. Options are validated here, once: a bad one throws an `MfaError` with
 * code `invalid_option` (or `encryption_key_required` in production without keys).
 *
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
