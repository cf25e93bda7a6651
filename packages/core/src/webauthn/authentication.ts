import { type AuthenticationResponseJSON, generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { denial, type Outcome, success } from '../outcome';
import type { MfaUser } from '../request';
import type { MfaContext } from '../context';
import type { MfaRequest } from '../request';
import type { WebAuthnFactorRecord } from '../store/types';
import { throttled } from '../throttle/throttle';
import { type Opened, openSession, type Proved } from '../verify';
import { amrOf, CHALLENGE_BYTES, challengeAllowed, CHALLENGE_TTL_MS, spendChallenge, notConfigured, ceremonyInput, storeChallenge, verified } from './ceremony';

type WithUser = MfaRequest & { user: MfaUser };

async function credentialsOf(opts: MfaContext, userId: string): Promise<WebAuthnFactorRecord[]> {
  return (await opts.factors.listFactors(userId)).filter((f): f is WebAuthnFactorRecord => f.kind === 'webauthn');
}

const disabled = () => denial('factor_disabled', 'This passkey or security key is disabled: its signature counter went backwards, so it may have been cloned. An administrator can enable it again.');

/**
 * Request options for `navigator.credentials.get()` (JSON form, for @simplewebauthn/browser's
 * `startAuthentication`), listing the user's credentials that are not disabled, with a new
 * challenge bound to this user and ceremony; 403 `factor_disabled` when every one is, 429
 * `rate_limited` past the user's `MAX_CHALLENGES` in five minutes.
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
export async function authenticationOptions(opts: MfaContext, req: WithUser): Promise<Outcome<PublicKeyCredentialRequestOptionsJSON>> {
  const rp = opts.webauthn;
  if (!rp) return notConfigured();
  const credentials = await credentialsOf(opts, req.user.id);
  if (credentials.length === 0) return denial('factor_not_found', 'This user has no passkey or security key.');
  const usable = credentials.filter((f) => !f.disabled);
  if (usable.length === 0) return denial('factor_disabled', 'Every passkey and security key of this account is disabled: an administrator can enable one again.');
  const allowed = await challengeAllowed(opts, req.user.id);
  if (!allowed.ok) return allowed;
  const options = await generateAuthenticationOptions({
    rpID: rp.rpID,
    allowCredentials: usable.map((f) => ({ id: f.credentialId, transports: f.transports })),
    challenge: new Uint8Array(opts.randomBytes(CHALLENGE_BYTES)),
    userVerification: rp.userVerification,
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(opts, req.user.id, 'authentication', options.challenge);
  return success(options);
}

/**
 * Verifies the browser's assertion under the account throttle and opens an MFA session. The
 * challenge is spent first (a replayed assertion finds none); the signature counter must grow
 * unless the authenticator keeps none, and moves atomically, so a cloned authenticator is refused
 * and reported (`webauthn.counter_regressed`), and its credential disabled (`factor.disabled`):
 * from then on it is 403 `factor_disabled`, the original's too, until an administrator enables it.
 */
export async function verifyAuthentication(opts: MfaContext, req: WithUser, response: unknown): Promise<Outcome<Opened>> {
  const startedAt = opts.clock.now();
  const proved = await proveAuthentication(opts, req, response);
  return proved.ok ? success(await openSession(opts, req, proved.value, startedAt)) : proved;
}

/** Checks a WebAuthn assertion under the account throttle: the factor proved, or the denial. Opens nothing. */
export async function proveAuthentication(opts: MfaContext, req: WithUser, response: unknown): Promise<Outcome<Proved>> {
  const input = ceremonyInput(opts, 'authentication', response);
  if (!input.ok) return input;
  const { rp, parsed } = input.value;
  const userId = req.user.id;
  const credentials = await credentialsOf(opts, userId);
  if (credentials.length === 0) return denial('factor_not_found', 'This user has no passkey or security key.');

  return throttled(opts, userId, req.ip, 'passkey', async (): Promise<Outcome<Proved>> => {
    const unspent = await spendChallenge(opts, userId, 'authentication', parsed.challenge);
    if (unspent) return unspent;
    const factor = credentials.find((f) => f.credentialId === parsed.id);
    if (!factor) return denial('webauthn_verification_failed', 'This credential is not registered for this user.');
    if (factor.disabled) return disabled();
    const verdict = await verified(opts, rp, 'authentication', parsed, response, () =>
      verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: parsed.challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpID,
        // Checked above already (the library lets a cross-origin response without topOrigin through).
        expectedTopOrigin: rp.topOrigins.length > 0 ? rp.topOrigins : undefined,
        // Counter 0 keeps the library's own counter check out: mfakit checks it below, after
        // the signature, so that only a genuinely signed step back is reported as a clone.
        credential: { id: factor.credentialId, publicKey: new Uint8Array(Buffer.from(factor.publicKey, 'base64url')), counter: 0, transports: factor.transports },
        requireUserVerification: rp.userVerification === 'required',
      }),
    );
    if (!verdict.ok) return verdict;
    const { newCounter, userVerified, credentialDeviceType } = verdict.value.authenticationInfo;
    // WebAuthn section 6.1.1: a counter that does not grow may mean a cloned authenticator.
    if ((factor.counter > 0 || newCounter > 0) && newCounter <= factor.counter) {
      opts.emit({ type: 'webauthn.counter_regressed', userId, at: opts.clock.now(), ip: req.ip, factorId: factor.id, storedCounter: factor.counter, receivedCounter: newCounter });
      // Disabled, not just refused: the clone would pass once its counter is past the stored one.
      if (await opts.factors.setFactorDisabled(userId, factor.id, true)) {
        opts.emit({ type: 'factor.disabled', userId, at: opts.clock.now(), ip: req.ip, factorId: factor.id, kind: 'webauthn', reason: 'counter_regressed' });
      }
      return denial('webauthn_counter_regressed', 'The signature counter went backwards: this authenticator may have been cloned, and is disabled until an administrator enables it again.');
    }
    // WebAuthn section 7.2: backup eligibility never changes after registration. A key exported
    // from a synced passkey can sign any flags; dropping BE must not turn 'swk' into 'hwk'.
    if (credentialDeviceType !== factor.deviceType) {
      return denial('webauthn_verification_failed', "The authenticator's backup eligibility differs from its registration.");
    }
    if (!(await opts.factors.compareAndSetCounter(userId, factor.id, factor.counter, newCounter))) {
      // Moved by a racing sign-in, or disabled by a racing one whose counter went backwards.
      const current = await opts.factors.getFactor(userId, factor.id);
      if (current?.kind === 'webauthn' && current.disabled) return disabled();
      opts.emit({ type: 'replay.rejected', userId, at: opts.clock.now(), ip: req.ip, factorId: factor.id, kind: 'webauthn' });
      return denial('webauthn_verification_failed', 'Another sign-in with this authenticator won the race; try again.');
    }
    return success({ factorId: factor.id, kind: 'webauthn', amr: amrOf(rp, credentialDeviceType, userVerified) });
  });
}
