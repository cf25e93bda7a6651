import { createHash } from 'node:crypto';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { stateKeys } from '../lib/keys';
import { denial, type Failure, type Outcome, success } from '../outcome';
import type { MfaContext } from '../context';

/** The ports and settings a WebAuthn ceremony's common steps need: a part of the core's context. */
export type CeremonyPorts = Pick<MfaContext, 'webauthn' | 'state' | 'logger'>;

export type Ceremony = 'registration' | 'authentication';
export type RelyingParty = NonNullable<MfaContext['webauthn']>;

export const CHALLENGE_BYTES = 32; // the issue asks for at least 32; WebAuthn section 13.4.3 for 16
export const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_FIELD = 16_384;
const RP_ID_HASH_BYTES = 32; // authenticator data starts with SHA-256(rpId), then the flags byte (WebAuthn section 6.1)
const FLAG_UV = 0x04; // user verified: bit 2 of the flags (WebAuthn section 6.1)
const MAX_LOGGED = 300;

/**
 * Why a response failed, by class: a fixed phrase that names no origin, RP id or other value of
 * the configuration or the response, so that a denial tells a caller nothing about how the
 * relying party is set up. The specifics go to the logger.
 */
const FAILURE_REASON = {
  origin: 'the page it was made on is not on an allowed origin',
  rp: 'it was made for another relying party',
  userVerification: 'user verification (a PIN or biometric) is required, and the authenticator did not verify the user',
  crossOrigin: 'a cross-origin (embedded) ceremony is not allowed here',
  other: 'the signature or data did not verify',
} as const;

const failed = (reason: keyof typeof FAILURE_REASON) => denial('webauthn_verification_failed', `The authenticator's response could not be verified: ${FAILURE_REASON[reason]}.`);

/** The parts of a browser's WebAuthn response that mfakit reads before the library does. */
export interface ParsedResponse {
  /** The credential id, base64url. */
  id: string;
  /** The challenge the authenticator signed, from clientDataJSON. */
  challenge: string;
  /** clientDataJSON's `origin`, unchecked (the library compares it with the allowed origins). */
  origin: unknown;
  /** clientDataJSON's `crossOrigin`, unchecked: true when the ceremony ran in a cross-origin iframe. */
  crossOrigin: unknown;
  /** clientDataJSON's `topOrigin` (WebAuthn Level 3), unchecked. */
  topOrigin: unknown;
}

export const notConfigured = () => denial('not_found', 'WebAuthn is not configured on this server.');

/**
 * Challenges one user may have made in CHALLENGE_TTL_MS, both ceremonies together. Each one is
 * kept in the state store for its lifetime, and options requests succeed without a proof, so the
 * per-address limit of failures does not bound them: a signed-in client asking in a loop would
 * fill the store. A person retrying, reloading or trying another key stays far below.
 */
export const MAX_CHALLENGES = 20;

/** Counts a new challenge of the user: 429 `rate_limited` past {@link MAX_CHALLENGES} in CHALLENGE_TTL_MS. */
export async function challengeAllowed(opts: CeremonyPorts, userId: string): Promise<Outcome<null>> {
  if ((await opts.state.increment(stateKeys.challengeStarts(userId), CHALLENGE_TTL_MS)) <= MAX_CHALLENGES) return success(null);
  const seconds = CHALLENGE_TTL_MS / 1000;
  return denial('rate_limited', `At most ${MAX_CHALLENGES} passkey or security-key requests can be made in ${seconds / 60} minutes: use one of those, or wait.`, { retryAfter: seconds });
}

/** A new challenge of the ceremony for this user, kept until used or five minutes pass. */
export async function storeChallenge(opts: CeremonyPorts, userId: string, ceremony: Ceremony, challenge: string): Promise<void> {
  await opts.state.set(stateKeys.challenge(userId, ceremony, challenge), '1', CHALLENGE_TTL_MS);
}

const RESPONSE_EXPECTED: Record<Ceremony, string> = {
  registration: 'Send {"response": <the RegistrationResponseJSON from startRegistration()>}.',
  authentication: 'Send {"response": <the AuthenticationResponseJSON from startAuthentication()>}.',
};

/**
 * The relying party and the browser's response, read for a ceremony: 404 `not_found` when
 * WebAuthn is not configured, 400 `invalid_request` when the response is not one (see {@link parseResponse}).
 */
export function ceremonyInput(opts: CeremonyPorts, ceremony: Ceremony, response: unknown): Outcome<{ rp: RelyingParty; parsed: ParsedResponse }> {
  const rp = opts.webauthn;
  if (!rp) return notConfigured();
  const parsed = parseResponse(response, ceremony);
  return parsed ? success({ rp, parsed }) : denial('invalid_request', RESPONSE_EXPECTED[ceremony]);
}

const UNKNOWN_CHALLENGE: Record<Ceremony, string> = {
  registration: 'This registration was not started here, has expired, or was completed already: ask for new options.',
  authentication: 'This sign-in was not started here, has expired, or was used already: ask for new options.',
};

/**
 * Spends a challenge: it counts once, for the user and ceremony it was made for, within its
 * lifetime. Null when spent now, else the `webauthn_challenge_invalid` denial.
 */
export async function spendChallenge(opts: CeremonyPorts, userId: string, ceremony: Ceremony, challenge: string): Promise<Failure | null> {
  if ((await opts.state.consume(stateKeys.challenge(userId, ceremony, challenge))) !== null) return null;
  return denial('webauthn_challenge_invalid', UNKNOWN_CHALLENGE[ceremony]);
}

/**
 * Checks the shape of a RegistrationResponseJSON or AuthenticationResponseJSON and reads its
 * credential id and challenge; null when it is not one. The signature and everything else is
 * @simplewebauthn/server's to verify.
 */
export function parseResponse(response: unknown, ceremony: Ceremony): ParsedResponse | null {
  if (!isObject(response) || !isObject(response.response) || response.type !== 'public-key') return null;
  const { id, rawId } = response;
  const inner = response.response;
  const fields = ceremony === 'registration' ? ['clientDataJSON', 'attestationObject'] : ['clientDataJSON', 'authenticatorData', 'signature'];
  if (!isBase64Url(id) || rawId !== id || !fields.every((field) => isBase64Url(inner[field]))) return null;
  try {
    const clientData = JSON.parse(Buffer.from(inner.clientDataJSON as string, 'base64url').toString('utf8')) as unknown;
    if (!isObject(clientData) || !isBase64Url(clientData.challenge) || clientData.challenge.length > 512) return null;
    const { challenge, origin, crossOrigin, topOrigin } = clientData;
    return { id, challenge, origin, crossOrigin, topOrigin };
  } catch {
    return null;
  }
}

/**
 * RFC 8176 values for a WebAuthn proof: `hwk` for a key bound to one authenticator, `swk` for a
 * synced passkey (its private key leaves the hardware); `user` when only presence was tested;
 * `mfa` for a user-verified proof when the policy counts it as multi-factor on its own.
 * WebAuthn does not say how the user was verified, so no `pin`, `fpt` or `face`.
 */
export function amrOf(rp: RelyingParty, deviceType: 'singleDevice' | 'multiDevice', userVerified: boolean): string[] {
  const amr = [deviceType === 'multiDevice' ? 'swk' : 'hwk'];
  if (!userVerified) amr.push('user');
  else if (rp.userVerifiedIsMfa) amr.push('mfa');
  return amr;
}

/**
 * Refuses a ceremony that ran in a cross-origin iframe (clientDataJSON's `crossOrigin`), unless
 * its `topOrigin` (the page that embedded the frame) is one of `webauthn.topOrigins`; null when
 * the response may go on to the library. A `topOrigin` without `crossOrigin: true` is refused as
 * well (WebAuthn Level 3 section 5.8.1 sets it only in a cross-origin frame).
 * @see https://www.w3.org/TR/webauthn-3/#dom-collectedclientdata-toporigin
 */
function refuseCrossOrigin(opts: CeremonyPorts, rp: RelyingParty, ceremony: Ceremony, parsed: ParsedResponse) {
  const { crossOrigin, topOrigin } = parsed;
  if ((crossOrigin === undefined || crossOrigin === false) && topOrigin === undefined) return null;
  if (crossOrigin === true && typeof topOrigin === 'string' && rp.topOrigins.includes(topOrigin)) return null;
  const top = topOrigin === undefined ? 'none given' : loggable(JSON.stringify(topOrigin));
  opts.logger.warn(`WebAuthn ${ceremony} refused: a cross-origin ceremony (crossOrigin ${loggable(String(crossOrigin))}) under top origin ${top}, not one of webauthn.topOrigins`);
  return failed('crossOrigin');
}

/**
 * The denial of a response that @simplewebauthn/server refused (`err`, or undefined for
 * `verified: false`). The library's message names the allowed origins and the RP id, so it goes
 * to `opts.logger.warn` (it holds no secret) and the detail gives the fixed reason of the failure's
 * class: told by mfakit's own reading of the response, in the library's order of checks (origin,
 * RP id, user verification), never by the message.
 */
/**
 * Runs @simplewebauthn/server's verification of a response: its result when verified, else the
 * ceremony's failure (a throw and `verified: false` alike, each told in a fixed sentence). A
 * ceremony in a cross-origin frame is refused before it (see {@link refuseCrossOrigin}): the
 * library has no top-origin check for registration, and lets a cross-origin authentication
 * without `topOrigin` through.
 */
export async function verified<T extends { verified: boolean }>(
  opts: CeremonyPorts,
  rp: RelyingParty,
  ceremony: Ceremony,
  parsed: ParsedResponse,
  response: unknown,
  verify: () => Promise<T>,
): Promise<Outcome<T & { verified: true }>> {
  const embedded = refuseCrossOrigin(opts, rp, ceremony, parsed);
  if (embedded) return embedded;
  let result: T;
  try {
    result = await verify();
  } catch (err) {
    return failure(opts, rp, ceremony, parsed, response, err);
  }
  return result.verified ? success(result as T & { verified: true }) : failure(opts, rp, ceremony, parsed, response, undefined);
}

function failure(opts: CeremonyPorts, rp: RelyingParty, ceremony: Ceremony, parsed: ParsedResponse, response: unknown, err: unknown) {
  const reason = err instanceof Error ? err.message : 'verified: false (a signature or attestation statement that does not verify)';
  opts.logger.warn(`WebAuthn ${ceremony} refused by @simplewebauthn/server: ${loggable(reason)}`);
  return failed(classify(rp, ceremony, parsed, response));
}

function classify(rp: RelyingParty, ceremony: Ceremony, parsed: ParsedResponse, response: unknown): keyof typeof FAILURE_REASON {
  if (typeof parsed.origin !== 'string' || !rp.origins.includes(parsed.origin)) return 'origin';
  const authData = authenticatorDataOf(response, ceremony);
  if (!authData || authData.length <= RP_ID_HASH_BYTES) return 'other';
  const rpIdHash = createHash('sha256').update(rp.rpID).digest();
  if (!rpIdHash.equals(authData.subarray(0, RP_ID_HASH_BYTES))) return 'rp';
  if (rp.userVerification === 'required' && ((authData[RP_ID_HASH_BYTES] ?? 0) & FLAG_UV) === 0) return 'userVerification';
  return 'other';
}

/** The authenticator data of a response whose shape parseResponse accepted; null when it cannot be read. */
function authenticatorDataOf(response: unknown, ceremony: Ceremony): Buffer | null {
  const inner = (response as { response: Record<string, string> }).response;
  try {
    if (ceremony === 'authentication') return Buffer.from(inner.authenticatorData as string, 'base64url');
    const authData = decodeAttestationObject(new Uint8Array(Buffer.from(inner.attestationObject as string, 'base64url'))).get('authData');
    return authData instanceof Uint8Array ? Buffer.from(authData) : null;
  } catch {
    return null;
  }
}

/** A message fit for one log line: control and line-breaking characters replaced, cut short. */
function loggable(message: string): string {
  return message.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ').slice(0, MAX_LOGGED);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isBase64Url(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD && /^[A-Za-z0-9_-]+={0,2}$/.test(value);
}
