import { checkRequest } from './check';
import { type Confirmed, confirmEnrollment, startEnrollment } from './enroll';
import { describe } from './lib/describe';
import { type HttpResult, problemResponse } from './http/problems';
import { endRequestSession, type MfaStatus, regenerateRecoveryCodes, removeFactor, rotateKeys, statusOf } from './manage';
import { type MfaOptions, type MfaUser, type ResolvedOptions, resolveOptions } from './options';
import type { Outcome } from './outcome';
import type { MfaRequest, Requirement } from './request';
import type { MfaState } from './session/sessions';
import type { OtpEnrollment } from './totp/otp';
import { type Proof, type Verified, verifiedOf, verifyProof } from './verify';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { authenticationOptions, verifyAuthentication } from './webauthn/authentication';
import { registrationOptions, verifyRegistration } from './webauthn/registration';

/** What `mfa.check` decides for a protected route: pass with the MFA state, or this answer. */
export type Decision = { allow: true; state: MfaState; headers: Record<string, string> } | { allow: false; response: HttpResult };

type WithUser = MfaRequest & { user: MfaUser };

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
