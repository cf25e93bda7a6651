import { createHash } from 'node:crypto';
import { generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON, verifyRegistrationResponse } from '@simplewebauthn/server';
import { activateFactor, type Confirmed, confirmedOf, freshIfEnrolled, withFreshSession } from '../enroll';
import { randomId } from '../lib/random';
import { type Outcome, success } from '../outcome';
import type { MfaUser } from '../request';
import type { MfaContext } from '../context';
import type { MfaRequest } from '../request';
import type { FactorRecord, WebAuthnFactorRecord } from '../store/types';
import { openSession } from '../verify';
import { amrOf, CHALLENGE_BYTES, challengeAllowed, CHALLENGE_TTL_MS, spendChallenge, notConfigured, ceremonyInput, storeChallenge, verified } from './ceremony';

type WithUser = MfaRequest & { user: MfaUser };

const DEFAULT_LABEL = 'Passkey';
// AuthenticatorTransportFuture of @simplewebauthn/server (WebAuthn Level 3 section 5.8.4, plus 'cable' and 'smart-card').
const TRANSPORTS: readonly string[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/** The transports the browser reported: client input, passed through unchecked by the library, so only known names are kept. */
const knownTransports = (value: unknown): string[] => (Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string' && TRANSPORTS.includes(t)) : []);

const webauthnFactors = (factors: FactorRecord[]) => factors.filter((f): f is WebAuthnFactorRecord => f.kind === 'webauthn');

/**
 * Creation options for `navigator.credentials.create()` (JSON form, for @simplewebauthn/browser's
 * `startRegistration`): a new challenge bound to this user and ceremony, the user's existing
 * credentials excluded, attestation 'none' unless configured; 429 `rate_limited` past the user's
 * `MAX_CHALLENGES` in five minutes.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 */
export async function registrationOptions(opts: MfaContext, req: WithUser): Promise<Outcome<PublicKeyCredentialCreationOptionsJSON>> {
  const rp = opts.webauthn;
  if (!rp) return notConfigured();
  const factors = await opts.factors.listFactors(req.user.id);
  const fresh = await freshIfEnrolled(opts, req, factors);
  if (!fresh.ok) return fresh;
  const allowed = await challengeAllowed(opts, req.user.id);
  if (!allowed.ok) return allowed;
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: opts.accountName(req.user),
    // A stable, opaque user handle, so an authenticator replaces this user's old passkey.
    userID: new Uint8Array(createHash('sha256').update(`mfakit:user:${req.user.id}`).digest()),
    challenge: new Uint8Array(opts.randomBytes(CHALLENGE_BYTES)),
    attestationType: rp.attestation,
    excludeCredentials: webauthnFactors(factors).map((f) => ({ id: f.credentialId, transports: f.transports })),
    authenticatorSelection: { residentKey: rp.residentKey, userVerification: rp.userVerification },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(opts, req.user.id, 'registration', options.challenge);
  return success(options, fresh);
}

/**
 * Verifies the browser's attestation and stores the credential as a factor. The challenge is
 * spent first, so a response is accepted once. The first factor also gets recovery codes, and the
 * proof of possession opens an MFA session. A credential id registered already, to this user or
 * to another, is 409 `factor_exists`: the store refuses it in the same step that would store it,
 * so of racing registrations one lands (WebAuthn Level 3 section 7.1, step 26).
 */
export async function verifyRegistration(opts: MfaContext, req: WithUser, response: unknown, label = DEFAULT_LABEL): Promise<Outcome<Confirmed>> {
  const input = ceremonyInput(opts, 'registration', response);
  if (!input.ok) return input;
  const { rp, parsed } = input.value;
  const startedAt = opts.clock.now();
  const userId = req.user.id;
  const unspent = await spendChallenge(opts, userId, 'registration', parsed.challenge);
  if (unspent) return unspent;
  const factors = await opts.factors.listFactors(userId);
  const fresh = await freshIfEnrolled(opts, req, factors);
  if (!fresh.ok) return fresh;
  const verdict = await verified(opts, rp, 'registration', parsed, response, () =>
    verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: parsed.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpID,
      requireUserVerification: rp.userVerification === 'required',
    }),
  );
  if (!verdict.ok) return verdict;
  const { credential, credentialDeviceType, credentialBackedUp, aaguid, userVerified } = verdict.value.registrationInfo;

  const factor: WebAuthnFactorRecord = {
    id: randomId(opts.randomBytes, 'fac'),
    userId,
    kind: 'webauthn',
    label,
    createdAt: opts.clock.now(),
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: knownTransports(credential.transports),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    aaguid,
  };
  const activated = await activateFactor(opts, req, factor);
  if (!activated.ok) return activated;
  const opened = await openSession(opts, withFreshSession(req, fresh), { factorId: factor.id, kind: 'webauthn', amr: amrOf(rp, credentialDeviceType, userVerified) }, startedAt);
  return success(confirmedOf(factor, opened, activated.value));
}
